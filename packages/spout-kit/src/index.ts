// Public API of @gale/spout-kit: ready-made spouts for gale topologies.
export { FileLineSpout, FILE_LINE_CHUNK_BYTES } from './file/file-line-spout.js';
export type { FileLineSpoutOptions } from './file/file-line-spout.js';
export type { FileLineEncoding } from './file/line-decoder.js';
export { GeneratorSpout } from './generator/generator-spout.js';
export type { GeneratorSpoutOptions } from './generator/generator-spout.js';
export { FileNotFoundError, FileReadError } from './errors.js';
export { RedisStreamSpout } from './redis/redis-stream-spout.js';
export type { RedisStreamSpoutOptions } from './redis/redis-stream-spout-options.js';
export { RedisConnectError, RedisAuthError, RedisUnavailableError, RedisCommandError } from './redis/redis-errors.js';
