export {
  openRedis, closeRedis, redactUrl, checkRedisUrl, isRedisUnavailable, isRedisNoGroup, redisCommandError,
} from './redis-connection.js';
export type { RedisConnectionSettings } from './redis-connection.js';
export { RedisConnectError, RedisAuthError, RedisUnavailableError, RedisCommandError } from './redis-errors.js';
