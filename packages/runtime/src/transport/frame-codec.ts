/**
 * Binary frames between workers (docs/protocol.md). One ws message carries one msgpackr-encoded frame,
 * a positional array `[type, ...payload]`. Decoding treats the bytes as untrusted: every decoded frame is
 * schema-checked here before anything else sees it, and user values are walked (see value-check.ts).
 */
import { Packr } from 'msgpackr';
import { FrameError } from './errors.js';
import { decodeTuples, encodeTuples } from './tuple-codec.js';
import { checkValues, DEFAULT_VALUE_LIMITS, type ValueLimits } from './value-check.js';

/**
 * Wire protocol version, sent as `x-gale-protocol` in the upgrade request; a mismatch is refused (426).
 * 2: the stream table includes system streams (acker traffic rides TUPLES frames), so stream indexes
 * differ from version 1's.
 */
export const PROTOCOL_VERSION = 2;

/**
 * Frame type codes (first element of every frame). Codes 2 and 3 were protocol 1's ACKER and SPOUT_NOTIFY
 * frames; acker traffic now travels as tuples on reserved system streams inside TUPLES frames. Codes are
 * never reused, so 2 and 3 are rejected like any unknown type.
 */
export const FrameType = {
  /** `[1, TupleRecord[]]` a batch of tuples (user tuples and system-stream tuples such as acker traffic). */
  TUPLES: 1,
  /** `[4, credits]` flow-control grant (optional; TCP backpressure is the default mechanism). */
  CREDIT: 4,
  /** `[5, seq]` application-level liveness probe; answered by PONG with the same seq. */
  PING: 5,
  /** `[6, seq]` answer to PING. */
  PONG: 6,
  /** `[7, code, message]` why the sender is about to close the connection. */
  CLOSE_REASON: 7,
} as const;
export type FrameTypeCode = (typeof FrameType)[keyof typeof FrameType];

/**
 * One tuple on the wire. `stream` is an index into the stream table both workers build from the same
 * topology bundle (every component's streams, system ones such as the acker's included, sorted by
 * component and stream id), or a stream id string. `anchors` is flat `[root, edgeHi, edgeLo, ...]`: root a non-negative
 * 53-bit safe integer, edge halves int32; null when the tuple is not tracked.
 */
export type TupleRecord = [targetTask: number, sourceTask: number, stream: number | string, values: unknown[], anchors: number[] | null];

export type TuplesFrame = [typeof FrameType.TUPLES, TupleRecord[]];
export type CreditFrame = [typeof FrameType.CREDIT, number];
export type PingFrame = [typeof FrameType.PING, number];
export type PongFrame = [typeof FrameType.PONG, number];
export type CloseReasonFrame = [typeof FrameType.CLOSE_REASON, string, string];
/** A decoded, schema-checked frame; `switch (frame[0])` narrows it. */
export type Frame = TuplesFrame | CreditFrame | PingFrame | PongFrame | CloseReasonFrame;

/** Bounds enforced on every decoded frame (and on outgoing records). */
export interface FrameLimits extends ValueLimits {
  /** Largest encoded frame in bytes (ws `maxPayload`). */
  maxFrameBytes: number;
  /** Records per TUPLES frame. */
  maxRecordsPerFrame: number;
  /** `values.length` of one tuple. */
  maxValuesPerTuple: number;
  /** Trees one tuple may be anchored to (`anchors.length / 3`). */
  maxAnchorTrees: number;
  /** Length of a string stream id. */
  maxStreamIdLength: number;
}

export const DEFAULT_MAX_FRAME_BYTES = 4 * 1024 * 1024;

export const DEFAULT_FRAME_LIMITS: Readonly<FrameLimits> = Object.freeze({
  ...DEFAULT_VALUE_LIMITS,
  maxFrameBytes: DEFAULT_MAX_FRAME_BYTES,
  maxRecordsPerFrame: 16_384,
  maxValuesPerTuple: 1_024,
  // A windowed bolt's row is anchored to every input of its window (thousands on a cluster at
  // modest rates); the frame's byte limit still bounds what a record may cost (~19 B per tree).
  maxAnchorTrees: 65_536,
  maxStreamIdLength: 256,
});

export function frameLimits(overrides: Partial<FrameLimits> = {}): Readonly<FrameLimits> {
  return Object.freeze({ ...DEFAULT_FRAME_LIMITS, ...overrides });
}

const MAX_CLOSE_CODE_LENGTH = 64;
const MAX_CLOSE_MESSAGE_LENGTH = 1024;

// useRecords:false + mapsAsObjects: plain msgpack maps become plain objects (msgpackr renames a
// `__proto__` key to `__proto_`, so decoding itself cannot pollute a prototype; value-check rejects both).
// structuredClone:false makes the 0x69/0x70 reference extensions throw inside msgpackr (no cycles).
// copyBuffers: bin values are copies, so a tuple value never pins the whole received frame in memory.
// int64 stays BigInt (the default), so BigInt values round-trip exactly; numbers never encode as int64.
const packr = new Packr({
  useRecords: false,
  mapsAsObjects: true,
  structuredClone: false,
  moreTypes: false,
  copyBuffers: true,
  int64AsType: 'bigint',
  bundleStrings: false,
});

/** Encodes a frame. Throws {@link FrameError} GALE_ERR_FRAME_SCHEMA when msgpackr cannot encode a value. */
export function encodeFrame(frame: Frame): Buffer {
  if (frame[0] === FrameType.TUPLES) {
    // Records of strings, numbers, booleans and nulls (almost all): the hand-written encoder.
    const fast = encodeTuples(frame[1]);
    if (fast !== null) return fast;
  }
  try {
    return packr.pack(frame);
  } catch (err) {
    throw new FrameError('GALE_ERR_FRAME_SCHEMA', `cannot encode frame type ${frame[0]}: ${errorText(err)}`, { cause: err });
  }
}

/**
 * Decodes and validates one frame from untrusted bytes. Throws {@link FrameError}; never returns
 * anything that has not passed the schema check for its type.
 */
export function decodeFrame(data: Uint8Array, limits: Readonly<FrameLimits> = DEFAULT_FRAME_LIMITS): Frame {
  if (data.length > limits.maxFrameBytes) {
    throw new FrameError('GALE_ERR_FRAME_TOO_LARGE', `frame of ${data.length} bytes exceeds ${limits.maxFrameBytes}`);
  }
  if (data.length === 0) throw new FrameError('GALE_ERR_FRAME_DECODE', 'empty frame');
  // A TUPLES frame of simple values (tuple-codec.ts), checked like any other; else msgpackr's decoding.
  const records = decodeTuples(data);
  if (records !== undefined) return checkFrame([FrameType.TUPLES, records], limits);
  let raw: unknown;
  let end = 0;
  try {
    // unpackMultiple + stop after the first value: plain unpack() builds a JSON preview of the whole
    // decoded value for its "trailing bytes" error, which would be needless work on hostile input.
    packr.unpackMultiple(data, (value: unknown, _start?: number, stop?: number) => {
      raw = value;
      end = stop ?? -1;
      return false;
    });
  } catch (err) {
    throw new FrameError('GALE_ERR_FRAME_DECODE', `undecodable frame: ${errorText(err)}`, { cause: err });
  }
  if (end !== data.length) {
    throw new FrameError('GALE_ERR_FRAME_DECODE', `undecodable frame: ${data.length - end} trailing bytes after the frame`);
  }
  return checkFrame(raw, limits);
}

/** Schema check of a decoded value; returns it typed as a {@link Frame}. */
export function checkFrame(raw: unknown, limits: Readonly<FrameLimits> = DEFAULT_FRAME_LIMITS): Frame {
  if (!Array.isArray(raw) || raw.length === 0) throw schema('frame', `expected a non-empty array, got ${describe(raw)}`);
  const type: unknown = raw[0];
  switch (type) {
    case FrameType.TUPLES: {
      const recs = batch(raw, limits);
      for (let i = 0; i < recs.length; i++) checkTupleRecord(recs[i], limits, i);
      break;
    }
    case FrameType.CREDIT:
    case FrameType.PING:
    case FrameType.PONG:
      arity(raw, 2);
      if (!isUint53(raw[1])) throw schema(type === FrameType.CREDIT ? 'credits' : 'seq', `expected a non-negative safe integer, got ${describe(raw[1])}`);
      break;
    case FrameType.CLOSE_REASON:
      arity(raw, 3);
      if (typeof raw[1] !== 'string' || raw[1].length > MAX_CLOSE_CODE_LENGTH) throw schema('close code', `expected a string of at most ${MAX_CLOSE_CODE_LENGTH} chars`);
      if (typeof raw[2] !== 'string' || raw[2].length > MAX_CLOSE_MESSAGE_LENGTH) throw schema('close message', `expected a string of at most ${MAX_CLOSE_MESSAGE_LENGTH} chars`);
      break;
    default:
      throw new FrameError('GALE_ERR_FRAME_TYPE', `unknown frame type ${describe(type)} (protocol version ${PROTOCOL_VERSION})`);
  }
  return raw as Frame;
}

/**
 * Checks one tuple record, including its user values. Used on decode and by the client before a record
 * is accepted, so a value that cannot cross the wire fails at the sender with a precise message.
 */
export function checkTupleRecord(rec: unknown, limits: Readonly<FrameLimits> = DEFAULT_FRAME_LIMITS, index = 0): asserts rec is TupleRecord {
  if (!Array.isArray(rec) || rec.length !== 5) throw schema(`tuple ${index}`, `expected [targetTask, sourceTask, stream, values, anchors], got ${describe(rec)}`);
  // indexed reads, not destructuring: this runs for every tuple on both ends
  const r = rec as unknown[];
  const target = r[0];
  const source = r[1];
  const stream = r[2];
  const values = r[3];
  const anchors = r[4];
  if (!isTask(target)) throw schema(`tuple ${index} targetTask`, `expected a task id (int32 >= 0), got ${describe(target)}`);
  if (!isInt32(source)) throw schema(`tuple ${index} sourceTask`, `expected an int32, got ${describe(source)}`);
  if (typeof stream === 'string') {
    if (stream.length === 0 || stream.length > limits.maxStreamIdLength) throw schema(`tuple ${index} stream`, `stream id must have 1..${limits.maxStreamIdLength} chars`);
  } else if (!isTask(stream)) {
    throw schema(`tuple ${index} stream`, `expected a stream index (int32 >= 0) or id string, got ${describe(stream)}`);
  }
  if (!Array.isArray(values)) throw schema(`tuple ${index} values`, `expected an array, got ${describe(values)}`);
  if (values.length > limits.maxValuesPerTuple) throw schema(`tuple ${index} values`, `${values.length} values exceed the limit of ${limits.maxValuesPerTuple}`);
  const bad = checkValues(values, limits);
  if (bad !== null) throw schema(`tuple ${index} values${bad.path}`, bad.problem);
  if (anchors !== null) checkAnchors(anchors, limits, index);
}

function checkAnchors(anchors: unknown, limits: Readonly<FrameLimits>, index: number): void {
  if (!Array.isArray(anchors)) throw schema(`tuple ${index} anchors`, `expected null or [root, hi, lo, ...], got ${describe(anchors)}`);
  const n = anchors.length;
  if (n % 3 !== 0) throw schema(`tuple ${index} anchors`, `length ${n} is not a multiple of 3`);
  if (n / 3 > limits.maxAnchorTrees) throw schema(`tuple ${index} anchors`, `${n / 3} trees exceed the limit of ${limits.maxAnchorTrees} (anchor the tuple to fewer inputs: a windowed bolt's rows with anchor 'none' or 'new-tuples', or a shorter window)`);
  for (let i = 0; i < n; i += 3) {
    if (!isUint53(anchors[i])) throw schema(`tuple ${index} anchors[${i}]`, `root must be a non-negative safe integer, got ${describe(anchors[i])}`);
    if (!isInt32(anchors[i + 1]) || !isInt32(anchors[i + 2])) throw schema(`tuple ${index} anchors[${i + 1}]`, 'edge halves must be int32');
  }
}

/** Reads `x-gale-protocol`; throws GALE_ERR_PROTOCOL_VERSION unless it is exactly {@link PROTOCOL_VERSION}. */
export function checkProtocolVersion(header: string | string[] | undefined): void {
  if (header === undefined) throw new FrameError('GALE_ERR_PROTOCOL_VERSION', `missing x-gale-protocol header (this worker speaks version ${PROTOCOL_VERSION})`);
  const v = Array.isArray(header) ? header.join(',') : header;
  if (v.trim() !== String(PROTOCOL_VERSION)) {
    throw new FrameError('GALE_ERR_PROTOCOL_VERSION', `peer speaks protocol version "${v.slice(0, 16)}", this worker speaks ${PROTOCOL_VERSION}`);
  }
}

function batch(raw: unknown[], limits: Readonly<FrameLimits>): unknown[] {
  arity(raw, 2);
  const recs = raw[1];
  if (!Array.isArray(recs)) throw schema('records', `expected an array, got ${describe(recs)}`);
  if (recs.length > limits.maxRecordsPerFrame) throw schema('records', `${recs.length} records exceed the limit of ${limits.maxRecordsPerFrame}`);
  return recs;
}

function arity(raw: unknown[], n: number): void {
  if (raw.length !== n) throw schema('frame', `type ${String(raw[0])} has ${n - 1} payload field(s), got ${raw.length - 1}`);
}

function isInt32(v: unknown): v is number {
  return typeof v === 'number' && (v | 0) === v;
}

function isTask(v: unknown): v is number {
  return typeof v === 'number' && (v | 0) === v && v >= 0;
}

function isUint53(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

function schema(where: string, problem: string): FrameError {
  return new FrameError('GALE_ERR_FRAME_SCHEMA', `${where}: ${problem}`);
}

/** Short, bounded description of an untrusted value for error messages. */
export function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return `array(${v.length})`;
  switch (typeof v) {
    case 'string':
      return v.length > 32 ? `string(${v.length})` : JSON.stringify(v);
    case 'number':
    case 'boolean':
    case 'undefined':
      return String(v);
    case 'bigint':
      return `${v}n`.slice(0, 32);
    case 'object': {
      const ctor = (Object.getPrototypeOf(v) as { constructor?: { name?: unknown } } | null)?.constructor?.name;
      return typeof ctor === 'string' ? ctor : 'object';
    }
    default:
      return typeof v;
  }
}

function errorText(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  return msg.length > 200 ? `${msg.slice(0, 200)}...` : msg;
}
