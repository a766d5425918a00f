import type { Redis } from 'ioredis';
import {
  closeRedis, isGaleError, openRedis, redisCommandError, RedisCommandError, type RedisConnectionSettings,
} from '@gale/runtime';
import { parseAutoClaimReply, parseReadReply, type AutoClaimReply, type StreamEntry } from './stream-reply.js';

/** Where one consumer of a group reads. */
export interface ConsumerAddress {
  readonly stream: string;
  readonly group: string;
  readonly consumer: string;
}

/** Ids per XACK / XCLAIM: bounded so one command never carries an unbounded argument list. */
const IDS_PER_COMMAND = 1000;

/**
 * One consumer of a Redis Streams consumer group, as typed commands over two connections: `reader`
 * runs the blocking XREADGROUP, `commands` everything else, so an ack never waits behind a blocked
 * read. Replies are parsed at this boundary; errors pass through as ioredis raised them (the
 * caller classifies them).
 */
export class StreamConsumer {
  private constructor(
    readonly address: ConsumerAddress,
    private readonly reader: Redis,
    private readonly commands: Redis,
  ) {}

  /** Opens both connections (typed errors, see `openRedis`) and makes sure the group exists. */
  static async open(address: ConsumerAddress, connection: RedisConnectionSettings, startId: string): Promise<StreamConsumer> {
    const commands = await openRedis({ ...connection, name: `${connection.name}:cmd` });
    let reader: Redis | undefined;
    try {
      reader = await openRedis({ ...connection, name: `${connection.name}:read`, blocking: true });
      const c = new StreamConsumer(address, reader, commands);
      await c.ensureGroup(startId);
      return c;
    } catch (err) {
      reader?.disconnect();
      commands.disconnect();
      throw isGaleError(err) ? err : redisCommandError('XGROUP', address.stream, err);
    }
  }

  /** XGROUP CREATE ... MKSTREAM; an existing group (BUSYGROUP) is fine. A key that is not a stream is a {@link RedisCommandError}. */
  async ensureGroup(startId: string): Promise<void> {
    const { stream, group } = this.address;
    try {
      await this.commands.call('XGROUP', ['CREATE', stream, group, startId, 'MKSTREAM']);
    } catch (err) {
      if (err instanceof Error && err.message.startsWith('BUSYGROUP')) return;
      if (err instanceof Error && err.message.startsWith('WRONGTYPE')) {
        throw new RedisCommandError('XGROUP', `key "${stream}" holds a value that is not a stream (${err.message})`, { cause: err });
      }
      throw err;
    }
  }

  /** New entries for this consumer (`>`), waiting up to `blockMs`. */
  async readNew(count: number, blockMs: number): Promise<StreamEntry[]> {
    const { stream, group, consumer } = this.address;
    const reply = await this.reader.call('XREADGROUP', ['GROUP', group, consumer, 'COUNT', count, 'BLOCK', blockMs, 'STREAMS', stream, '>']);
    return parseReadReply(reply, stream);
  }

  /** This consumer's own pending entries after `afterId` (its PEL), without blocking. */
  async readOwnPending(afterId: string, count: number): Promise<StreamEntry[]> {
    const { stream, group, consumer } = this.address;
    const reply = await this.reader.call('XREADGROUP', ['GROUP', group, consumer, 'COUNT', count, 'STREAMS', stream, afterId]);
    return parseReadReply(reply, stream);
  }

  /** XACK in bounded chunks. */
  async ack(ids: readonly string[]): Promise<void> {
    const { stream, group } = this.address;
    for (let i = 0; i < ids.length; i += IDS_PER_COMMAND) {
      await this.commands.call('XACK', [stream, group, ...ids.slice(i, i + IDS_PER_COMMAND)]);
    }
  }

  /** Resets the idle time of entries this consumer holds (XCLAIM to itself, JUSTID: no delivery count), so no other consumer claims them. */
  async touch(ids: readonly string[]): Promise<void> {
    const { stream, group, consumer } = this.address;
    for (let i = 0; i < ids.length; i += IDS_PER_COMMAND) {
      await this.commands.call('XCLAIM', [stream, group, consumer, 0, ...ids.slice(i, i + IDS_PER_COMMAND), 'JUSTID']);
    }
  }

  /** XAUTOCLAIM: entries of any consumer idle at least `minIdleMs`, from `cursor` on, become this consumer's. */
  async autoClaim(minIdleMs: number, cursor: string, count: number): Promise<AutoClaimReply> {
    const { stream, group, consumer } = this.address;
    const reply = await this.commands.call('XAUTOCLAIM', [stream, group, consumer, minIdleMs, cursor, 'COUNT', count]);
    return parseAutoClaimReply(reply);
  }

  /** Drops the reader at once (a blocked read rejects) and quits the command connection after its replies. */
  async close(): Promise<void> {
    this.reader.disconnect();
    await closeRedis(this.commands);
  }
}
