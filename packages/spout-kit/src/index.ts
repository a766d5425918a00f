// Public API of @gale/spout-kit: ready-made spouts for gale topologies.
export { FileLineSpout } from './file/file-line-spout.js';
export { FILE_LINE_CHUNK_BYTES } from './file/file-line-options.js';
export type { FileLineSpoutOptions } from './file/file-line-options.js';
export type { FileLineEncoding } from './file/line-decoder.js';
export { GeneratorSpout } from './generator/generator-spout.js';
export type { GeneratorSpoutOptions } from './generator/generator-spout.js';
export { FileNotFoundError, FileReadError } from './errors.js';
export { RedisStreamSpout } from './redis/redis-stream-spout.js';
export type { RedisStreamSpoutOptions } from './redis/redis-stream-spout-options.js';
// The Redis error classes live in @gale/runtime (shared with bolt-kit's sinks); re-exported here as before.
export { RedisConnectError, RedisAuthError, RedisUnavailableError, RedisCommandError } from '@gale/runtime';
export { NatsJetStreamSpout } from './nats/nats-jetstream-spout.js';
export { NATS_SPOUT_DEFAULTS } from './nats/nats-options.js';
export type { NatsJetStreamSpoutOptions } from './nats/nats-options.js';
export { NatsSpoutError } from './nats/nats-errors.js';
export { FileTailSpout } from './tail/file-tail-spout.js';
export { FILE_TAIL_DEFAULTS } from './tail/tail-options.js';
export type { FileTailSpoutOptions } from './tail/tail-options.js';
export { TailSpoutError } from './tail/tail-errors.js';
export type { TailErrorCode } from './tail/tail-errors.js';
