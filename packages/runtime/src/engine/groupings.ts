import type { CustomGrouping, GroupingSpec } from '../api/types.js';
import type { Fields } from '../api/fields.js';
import { ComponentError } from '../errors.js';
import { bucketOf, FNV_SEED, hashFields, hashString, hashValue } from './hash.js';

/**
 * Picks target tasks for one (source task, subscription). Single-target groupings implement
 * `chooseOne` so the emit path allocates nothing; multi-target ones implement `chooseMany`.
 */
export interface TaskChooser {
  readonly single: boolean;
  chooseOne(values: readonly unknown[]): number;
  chooseMany(values: readonly unknown[]): readonly number[];
}

export interface ChooserContext {
  readonly sourceComponent: string;
  readonly sourceTask: number;
  readonly streamId: string;
  readonly targetComponent: string;
  /** Sorted task ids of the subscribing component. */
  readonly targetTasks: readonly number[];
  /** Target tasks running in the same worker as the source (all of them in local mode). */
  readonly localTasks: readonly number[];
  readonly fields: Fields;
  /** Uniform in [0, 1). */
  readonly random: () => number;
}

abstract class Single implements TaskChooser {
  readonly single = true;
  abstract chooseOne(values: readonly unknown[]): number;
  chooseMany(values: readonly unknown[]): readonly number[] {
    return [this.chooseOne(values)];
  }
}

/** Round robin over a list reshuffled on every pass: even, yet not in lock-step across sources. */
class Shuffle extends Single {
  private readonly order: number[];
  private i = 0;
  constructor(tasks: readonly number[], private readonly random: () => number) {
    super();
    this.order = [...tasks];
    this.reshuffle();
  }
  private reshuffle(): void {
    const a = this.order;
    for (let i = a.length - 1; i > 0; i--) {
      const j = Math.floor(this.random() * (i + 1));
      const t = a[i]!;
      a[i] = a[j]!;
      a[j] = t;
    }
  }
  chooseOne(): number {
    if (this.i === this.order.length) {
      this.i = 0;
      this.reshuffle();
    }
    return this.order[this.i++]!;
  }
}

class Fixed extends Single {
  constructor(private readonly task: number) { super(); }
  chooseOne(): number { return this.task; }
}

class ByFields extends Single {
  constructor(private readonly tasks: readonly number[], private readonly indexes: readonly number[]) { super(); }
  chooseOne(values: readonly unknown[]): number {
    return this.tasks[bucketOf(hashFields(values, this.indexes), this.tasks.length)]!;
  }
}

/**
 * {@link ByFields} on one field, the common case (a word, a user id): the same hash as
 * `hashFields(values, [index])` (the wire contract: a key lands on the same task in every
 * worker), with a string key hashed straight away instead of through the generic dispatch on
 * its type (a `typeof` switch V8 left as a builtin call per tuple).
 */
class ByField extends Single {
  constructor(private readonly tasks: readonly number[], private readonly index: number) { super(); }
  chooseOne(values: readonly unknown[]): number {
    const v = values[this.index];
    const h = typeof v === 'string' ? hashString(v, FNV_SEED) : hashValue(v, FNV_SEED);
    return this.tasks[bucketOf(h, this.tasks.length)]!;
  }
}

/** Two hash choices per key, pick the one this source has sent less to (Nasir et al., "power of both choices"). */
class PartialKey extends Single {
  private readonly sent: Float64Array;
  constructor(private readonly tasks: readonly number[], private readonly indexes: readonly number[]) {
    super();
    this.sent = new Float64Array(tasks.length);
  }
  chooseOne(values: readonly unknown[]): number {
    const n = this.tasks.length;
    const a = bucketOf(hashFields(values, this.indexes), n);
    const b = bucketOf(hashFields(values, this.indexes, 0x9747b28c), n);
    const pick = this.sent[a]! <= this.sent[b]! ? a : b;
    this.sent[pick]!++;
    return this.tasks[pick]!;
  }
}

class All implements TaskChooser {
  readonly single = false;
  constructor(private readonly tasks: readonly number[]) {}
  chooseOne(): number { return this.tasks[0]!; }
  chooseMany(): readonly number[] { return this.tasks; }
}

class Custom implements TaskChooser {
  readonly single = false;
  private readonly valid: Set<number>;
  constructor(private readonly g: CustomGrouping, private readonly ctx: ChooserContext) {
    this.valid = new Set(ctx.targetTasks);
    g.prepare?.({ sourceComponent: ctx.sourceComponent, streamId: ctx.streamId, targetTasks: ctx.targetTasks });
  }
  chooseOne(values: readonly unknown[]): number { return this.chooseMany(values)[0]!; }
  chooseMany(values: readonly unknown[]): readonly number[] {
    const out = this.g.chooseTasks(this.ctx.sourceTask, values);
    for (const t of out) {
      if (!this.valid.has(t)) {
        throw new ComponentError('GALE_ERR_BAD_CUSTOM_GROUPING', `custom grouping of "${this.ctx.targetComponent}" on "${this.ctx.sourceComponent}"/"${this.ctx.streamId}" chose task ${t}, which is not one of [${this.ctx.targetTasks.join(', ')}]`);
      }
    }
    return out;
  }
}

/** Builds the chooser for a grouping. Direct grouping has none: the emitter names the task. */
export function makeChooser(spec: GroupingSpec, ctx: ChooserContext): TaskChooser | null {
  const tasks = ctx.targetTasks;
  const indexes = (): number[] => (spec as { fields: readonly string[] }).fields.map((f) => ctx.fields.fieldIndex(f));
  switch (spec.type) {
    case 'shuffle':
      return new Shuffle(tasks, ctx.random);
    case 'localOrShuffle':
      return new Shuffle(ctx.localTasks.length > 0 ? ctx.localTasks : tasks, ctx.random);
    case 'none':
      return new Shuffle(tasks, ctx.random);
    case 'global':
      return new Fixed(Math.min(...tasks));
    case 'all':
      return new All(tasks);
    case 'fields': {
      const at = indexes();
      return at.length === 1 ? new ByField(tasks, at[0]!) : new ByFields(tasks, at);
    }
    case 'partialKey':
      return tasks.length === 1 ? new Fixed(tasks[0]!) : new PartialKey(tasks, indexes());
    case 'custom':
      return new Custom(spec.grouping, ctx);
    case 'direct':
      return null;
  }
}
