import type { Topology } from '../api/builder-types.js';
import type { ComponentSpec } from '../api/builder-types.js';
import { FAIL_HELD_INPUTS } from '../api/held-inputs.js';

/** Which component task is running user code. `task` is -1 until open()/prepare() told it. */
export interface ComponentWho {
  readonly component: string;
  task: number;
}

/** Runs `fn(...args)` as code of `who` (the shell keeps it in an AsyncLocalStorage: log.ts `inComponent`). */
export type ComponentScope = <A extends unknown[], T>(who: ComponentWho, fn: (...args: A) => T, ...args: A) => T;

/**
 * Every method the engine calls on spouts and bolts. Each must be here: one that is not runs with
 * the wrapper as `this`, and the fields it sets land on the wrapper, not on the instance.
 */
const METHODS = [
  'open', 'nextTuple', 'ack', 'fail', 'activate', 'deactivate', 'close', 'isExhausted', 'deadLetterValues',
  'prepare', 'execute', 'cleanup', FAIL_HELD_INPUTS,
] as const;

type AnyMethod = (this: unknown, ...args: unknown[]) => unknown;

/**
 * The same topology whose component instances run every engine call inside `scope`, so what user
 * code does there (console.log, async continuations) can be attributed to its component and
 * task. Each instance is wrapped by an object whose prototype is the instance: properties and
 * `instanceof` still answer as the instance, and methods run with the instance as `this`
 * (private fields keep working).
 */
export function scopeTopology(topology: Topology, scope: ComponentScope): Topology {
  const components = new Map<string, ComponentSpec>();
  for (const [id, spec] of topology.components) {
    const create = (): object => spec.create();
    components.set(id, { ...spec, create: () => scoped(create(), id, scope) } as ComponentSpec);
  }
  return { ...topology, components };
}

function scoped<T extends object>(inst: T, component: string, scope: ComponentScope): T {
  const who: ComponentWho = { component, task: -1 };
  const out = Object.create(inst) as Record<string | symbol, unknown>;
  const methods = inst as unknown as Record<string | symbol, unknown>;
  for (const name of METHODS) {
    const fn = methods[name];
    if (typeof fn !== 'function') continue;
    // Bound once per instance: execute and nextTuple run per tuple, so no closure per call.
    const method = (fn as AnyMethod).bind(inst);
    out[name] = name === 'open' || name === 'prepare'
      ? (...args: unknown[]) => {
        const task = (args[0] as { thisTaskId?: unknown } | undefined)?.thisTaskId;
        if (typeof task === 'number') who.task = task;
        return scope(who, method, ...args);
      }
      : (...args: unknown[]) => scope(who, method, ...args);
  }
  return out as T;
}
