/**
 * Parsing at the boundary: znode bytes → JSON → checked fields. Every failure is a ZkError
 * GALE_ERR_ZK_BAD_DATA naming the znode and the field, so a record written by another (older,
 * buggy or hostile) process is reported, never trusted with an unchecked cast.
 */
import { ZkError } from './zk-errors.js';

/** The typed error for a znode whose content is not what its reader expects. */
export function badData(path: string, what: string): ZkError {
  return new ZkError('GALE_ERR_ZK_BAD_DATA', `znode ${path} holds bad data: ${what}`, { path });
}

/** `"abc"`, `42`, `null`, an object or array shortened to 60 characters. */
function preview(v: unknown): string {
  if (v === undefined) return 'nothing';
  const text = JSON.stringify(v) ?? typeof v;
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/** The JSON in a znode. */
export function decodeJson(path: string, data: Buffer): unknown {
  if (data.length === 0) throw badData(path, 'it is empty');
  try {
    return JSON.parse(data.toString('utf8')) as unknown;
  } catch (err) {
    throw badData(path, `not JSON (${(err as Error).message})`);
  }
}

export function encodeJson(value: unknown): Buffer {
  return Buffer.from(JSON.stringify(value));
}

type Plain = Record<string, unknown>;

function isPlain(v: unknown): v is Plain {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The fields of one JSON object in a znode; each getter checks its field or throws bad data. */
export class Fields {
  private constructor(readonly path: string, readonly raw: Plain, private readonly at: string) {}

  /** `value` must be an object; `at` is the field path prefix for messages (e.g. `workers[2].`). */
  static of(path: string, value: unknown, at = ''): Fields {
    if (!isPlain(value)) throw badData(path, `${at === '' ? 'want a JSON object' : `"${at.slice(0, -1)}" must be an object`}, got ${preview(value)}`);
    return new Fields(path, value, at);
  }

  fail(key: string, want: string): never {
    throw badData(this.path, `"${this.at}${key}" must be ${want}, got ${preview(this.raw[key])}`);
  }

  str(key: string, nonEmpty = true): string {
    const v = this.raw[key];
    if (typeof v !== 'string' || (nonEmpty && v === '')) this.fail(key, nonEmpty ? 'a non-empty string' : 'a string');
    return v;
  }

  int(key: string, min = 0, max = Number.MAX_SAFE_INTEGER): number {
    const v = this.raw[key];
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min || v > max) this.fail(key, `an integer from ${min} to ${max}`);
    return v;
  }

  num(key: string): number {
    const v = this.raw[key];
    if (typeof v !== 'number' || !Number.isFinite(v)) this.fail(key, 'a number');
    return v;
  }

  oneOf<T extends string>(key: string, values: readonly T[]): T {
    const v = this.raw[key];
    if (typeof v !== 'string' || !(values as readonly string[]).includes(v)) this.fail(key, `one of ${values.join(', ')}`);
    return v as T;
  }

  array(key: string): readonly unknown[] {
    const v = this.raw[key];
    if (!Array.isArray(v)) this.fail(key, 'an array');
    return v;
  }

  strings(key: string): readonly string[] {
    const a = this.array(key);
    if (!a.every((x) => typeof x === 'string')) this.fail(key, 'an array of strings');
    return a as readonly string[];
  }

  ints(key: string, min: number, max: number): readonly number[] {
    const a = this.array(key);
    if (!a.every((x) => typeof x === 'number' && Number.isSafeInteger(x) && x >= min && x <= max)) this.fail(key, `an array of integers from ${min} to ${max}`);
    return a as readonly number[];
  }

  /** An object of name → integer >= min. */
  intMap(key: string, min: number): Readonly<Record<string, number>> {
    const v = this.raw[key];
    if (!isPlain(v) || !Object.values(v).every((x) => typeof x === 'number' && Number.isSafeInteger(x) && x >= min)) {
      this.fail(key, `an object of names to integers >= ${min}`);
    }
    return v as Readonly<Record<string, number>>;
  }

  /** An object of name → string. */
  stringMap(key: string): Readonly<Record<string, string>> {
    const v = this.raw[key];
    if (!isPlain(v) || !Object.values(v).every((x) => typeof x === 'string')) this.fail(key, 'an object of names to strings');
    return v as Readonly<Record<string, string>>;
  }

  /** A nested object. */
  obj(key: string): Fields {
    return Fields.of(this.path, this.raw[key], `${this.at}${key}.`);
  }

  /** Each element of an array field as an object. */
  objs(key: string): Fields[] {
    return this.array(key).map((x, i) => Fields.of(this.path, x, `${this.at}${key}[${i}].`));
  }
}
