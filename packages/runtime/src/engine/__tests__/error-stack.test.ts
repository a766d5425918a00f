import { errorStack, userFrame } from '../error-stack.js';

describe('where a component error came from', () => {
  it('is the first stack frame outside gale, node internals and node_modules', () => {
    const stack = [
      'Error: boom',
      '    at Object.fail (/srv/app/node_modules/some-lib/index.js:3:9)',
      '    at TalkBolt.execute (/home/u/proj/my-topology.ts:15:11)',
      '    at file:///opt/gale/node_modules/@gale/runtime/dist/engine/bolt-task.js:12:3',
      '    at BoltTask.run (/work/gale/packages/runtime/dist/engine/bolt-task.js:123:35)',
    ].join('\n');
    expect(userFrame(stack)).toBe('/home/u/proj/my-topology.ts:15:11');
  });

  it('turns file URLs into paths and skips frames without a location', () => {
    const stack = ['Error: x', '    at new Promise (<anonymous>)', '    at node:internal/process/task_queues:95:5', '    at file:///tmp/my%20dir/t.ts:4:2'].join('\n');
    expect(userFrame(stack)).toBe('/tmp/my dir/t.ts:4:2');
    expect(userFrame('Error: x\n    at <anonymous>')).toBeUndefined();
    expect(userFrame(undefined)).toBeUndefined();
  });

  it('keeps gale\'s own test files (they are user code for the engine)', () => {
    expect(userFrame('E\n    at x (/r/packages/runtime/src/engine/__tests__/a.test.ts:1:2)')).toBe('/r/packages/runtime/src/engine/__tests__/a.test.ts:1:2');
  });

  it('has a stack only for Errors, capped, and never throws', () => {
    expect(errorStack('just text')).toBeUndefined();
    const e = new Error('long');
    e.stack = `Error: long\n${'    at f (/a.ts:1:1)\n'.repeat(1000)}`;
    expect(errorStack(e)!.length).toBe(4000);
    const hostile = new Error('h');
    Object.defineProperty(hostile, 'stack', { get: () => { throw new Error('no'); } });
    expect(errorStack(hostile)).toBeUndefined();
  });
});
