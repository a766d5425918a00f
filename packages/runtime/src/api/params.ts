import { UsageError } from '../errors.js';

/**
 * User parameters of a topology file, from `--set key=value` (keys that are not gale config keys).
 * A topology file whose default export is a function receives them:
 * `export default (params: TopologyParams) => build(params.string('input'))`.
 * Keys the function never reads are reported as unknown.
 */
export interface TopologyParams {
  /** The value of `key`; without a fallback a missing key is a usage error naming the flag. */
  string(key: string, fallback?: string): string;
  number(key: string, fallback?: number): number;
  boolean(key: string, fallback?: boolean): boolean;
  has(key: string): boolean;
}

/** A required parameter that was read but not given, and the kind of value it takes. */
export interface MissingParam {
  readonly key: string;
  /** `string`, `number` or `true|false`. */
  readonly kind: string;
}

/**
 * The usage error for required parameters not given, each with how to pass it:
 * `this topology needs --set input=<string> --set count=<number>`.
 */
export function missingParamsError(missing: readonly MissingParam[]): UsageError {
  return new UsageError('GALE_ERR_MISSING_PARAM', `this topology needs ${missing.map((m) => `--set ${m.key}=<${m.kind}>`).join(' ')}`);
}

export class ParamSet implements TopologyParams {
  private readonly consumed = new Set<string>();
  /** Required keys read but not given, in reading order. */
  private readonly missingKeys = new Map<string, MissingParam>();

  constructor(private readonly entries: Readonly<Record<string, string>>) {}

  has(key: string): boolean {
    this.consumed.add(key);
    return Object.prototype.hasOwnProperty.call(this.entries, key);
  }

  private raw(key: string, kind: string, hasFallback: boolean): string | undefined {
    if (this.has(key)) return this.entries[key];
    if (!hasFallback) {
      if (!this.missingKeys.has(key)) this.missingKeys.set(key, { key, kind });
      return this.onMissing(key, kind);
    }
    return undefined;
  }

  /**
   * A required key is not given: throws GALE_ERR_MISSING_PARAM naming it. A subclass may return
   * a stand-in value instead, so the topology function reads on and every missing key is known
   * after one call ({@link missingParams}).
   */
  protected onMissing(key: string, kind: string): string {
    throw missingParamsError([{ key, kind }]);
  }

  string(key: string, fallback?: string): string {
    return this.raw(key, 'string', fallback !== undefined) ?? fallback!;
  }

  number(key: string, fallback?: number): number {
    const text = this.raw(key, 'number', fallback !== undefined);
    if (text === undefined) return fallback!;
    const n = Number(text);
    if (text.trim() === '' || !Number.isFinite(n)) {
      throw new UsageError('GALE_ERR_BAD_PARAM', `--set ${key}=${text}: "${key}" must be a number`);
    }
    return n;
  }

  boolean(key: string, fallback?: boolean): boolean {
    const text = this.raw(key, 'true|false', fallback !== undefined);
    if (text === undefined) return fallback!;
    if (text === 'true') return true;
    if (text === 'false') return false;
    throw new UsageError('GALE_ERR_BAD_PARAM', `--set ${key}=${text}: "${key}" must be true or false`);
  }

  /** Keys the topology asked for (given or not), for "did you mean" on unknown keys. */
  requested(): string[] {
    return [...this.consumed];
  }

  /** The required keys that were read but not given, in reading order. */
  missingParams(): MissingParam[] {
    return [...this.missingKeys.values()];
  }

  /** The last required key that was read but not given (where the topology function stopped, when it threw). */
  missing(): string | undefined {
    return this.missingParams().at(-1)?.key;
  }

  /** Keys given but never read by the topology. */
  unconsumed(): string[] {
    return Object.keys(this.entries).filter((k) => !this.consumed.has(k));
  }
}
