// The root logger (and its children) make the pino logger only when something is logged at an
// enabled level or the logger is used in a way only pino can answer (lazy-logger.ts).
import { Writable } from 'node:stream';
import pino, { type Logger, type LevelWithSilent } from 'pino';
import { lazyLogger } from '../lazy-logger.js';

/** A lazy logger writing JSON lines into `lines`, counting how often pino was made. */
function capture(level: LevelWithSilent): { log: Logger; lines: Record<string, unknown>[]; made: () => number } {
  const lines: Record<string, unknown>[] = [];
  const dest = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const l of chunk.toString('utf8').split('\n')) if (l !== '') lines.push(JSON.parse(l) as Record<string, unknown>);
      done();
    },
  });
  let made = 0;
  const log = lazyLogger((lvl) => {
    made++;
    return pino({ level: lvl, base: { pid: 1 } }, dest);
  }, level);
  return { log, lines, made: () => made };
}

describe('lazyLogger', () => {
  it('makes no pino logger for disabled calls, levels and children, and one at the first enabled call', () => {
    const { log, lines, made } = capture('warn');
    log.info({ a: 1 }, 'not shown');
    log.debug('not shown');
    expect(log.level).toBe('warn');
    expect(log.levelVal).toBe(40);
    expect(log.isLevelEnabled('info')).toBe(false);
    expect(log.isLevelEnabled('error')).toBe(true);
    const child = log.child({ cmd: 'local' });
    child.info('not shown');
    expect(made()).toBe(0);
    child.warn({ n: 2 }, 'shown');
    expect(made()).toBe(1);
    expect(lines).toEqual([expect.objectContaining({ level: 40, pid: 1, cmd: 'local', n: 2, msg: 'shown' })]);
    log.error('root too');
    expect(made()).toBe(1);
    expect(lines[1]).toMatchObject({ level: 50, msg: 'root too' });
    expect(lines[1]).not.toHaveProperty('cmd');
  });

  it('a level set before pino is made is the one it gets', () => {
    const { log, lines, made } = capture('info');
    log.level = 'debug';
    expect(log.levelVal).toBe(20);
    log.debug('shown');
    expect(made()).toBe(1);
    expect(log.level).toBe('debug');
    expect(lines).toEqual([expect.objectContaining({ level: 20, msg: 'shown' })]);
  });

  it('a child keeps the level its parent had when it was made, as pino children do', () => {
    const { log, lines } = capture('info');
    const before = log.child({ c: 'before' });
    log.level = 'error';
    const after = log.child({ c: 'after' });
    before.info('from before');
    after.info('from after');
    after.error('error from after');
    expect(before.level).toBe('info');
    expect(after.level).toBe('error');
    expect(lines.map((l) => `${String(l.c)}: ${String(l.msg)}`)).toEqual(['before: from before', 'after: error from after']);
  });

  it('an unknown level and child options reach pino itself, with its own errors', () => {
    const { log, made } = capture('info');
    expect(() => {
      log.level = 'loud';
    }).toThrow('unknown level loud');
    expect(made()).toBe(1);
    const { log: other } = capture('info');
    const child = other.child({ x: 1 }, { level: 'error' });
    expect(child.level).toBe('error');
  });

  it('once made, it is the pino logger: methods, properties, spies', () => {
    const { log, made } = capture('info');
    expect(log.bindings()).toEqual({});
    expect(made()).toBe(1);
    expect(typeof log.flush).toBe('function');
    const spy = jest.spyOn(log, 'child');
    log.child({ y: 2 });
    expect(spy).toHaveBeenCalledWith({ y: 2 });
    spy.mockRestore();
    expect(log.child({ z: 3 }).bindings()).toEqual({ z: 3 });
  });
});
