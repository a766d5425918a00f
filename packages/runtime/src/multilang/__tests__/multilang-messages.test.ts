// The framing (JSON, then a line "end") and the checks on what a subprocess sends, with the
// defaults Storm's adapters rely on (need_task_ids absent = true, task 0 = not direct).
import { encodeMessage, MessageReader } from '../multilang-codec.js';
import { parsePidReply, parseShellCommand } from '../shell-messages.js';

describe('multilang framing', () => {
  it('ends every message with a line "end"', () => {
    expect(encodeMessage({ command: 'next' })).toBe('{"command":"next"}\nend\n');
    expect(encodeMessage([3, 4])).toBe('[3,4]\nend\n');
  });

  it('reads messages split anywhere across chunks, multi-line JSON and CRLF included', () => {
    const r = new MessageReader();
    const text = '{"command":"sync"}\nend\n{\n "command": "log",\r\n "msg": "hi"\n}\r\nend\n[1,2]\nend\n';
    const got: unknown[] = [];
    for (let i = 0; i < text.length; i += 3) for (const m of r.push(text.slice(i, i + 3))) got.push(m.ok ? m.value : m);
    expect(got).toEqual([{ command: 'sync' }, { command: 'log', msg: 'hi' }, [1, 2]]);
    expect(r.pending).toBe('');
  });

  it('reports invalid JSON with its text', () => {
    const r = new MessageReader();
    expect(r.push('hello world\nend\n')).toEqual([{ ok: false, text: 'hello world', reason: 'invalid JSON' }]);
  });
});

describe('multilang commands from a subprocess', () => {
  it('parses emits with Storm\'s defaults', () => {
    expect(parseShellCommand({ command: 'emit', tuple: ['a'] }, 'bolt')).toEqual({
      command: 'emit', tuple: ['a'], stream: 'default', task: undefined, anchors: [], id: undefined, needTaskIds: true,
    });
    expect(parseShellCommand({ command: 'emit', tuple: [1], anchors: ['7', 8], stream: 's', task: 0, need_task_ids: false }, 'bolt'))
      .toMatchObject({ anchors: ['7', '8'], stream: 's', task: undefined, needTaskIds: false });
    expect(parseShellCommand({ command: 'emit', tuple: [1], id: 'm1', task: 5 }, 'spout')).toMatchObject({ id: 'm1', task: 5 });
    expect(parseShellCommand({ command: 'emit', tuple: [1], anchors: '9' }, 'bolt')).toMatchObject({ anchors: ['9'] });
  });

  it('parses ack, fail, sync, log (with Storm levels), error and metrics', () => {
    expect(parseShellCommand({ command: 'ack', id: '12' }, 'bolt')).toEqual({ command: 'ack', id: '12' });
    expect(parseShellCommand({ command: 'fail', id: 12 }, 'bolt')).toEqual({ command: 'fail', id: '12' });
    expect(parseShellCommand({ command: 'sync' }, 'spout')).toEqual({ command: 'sync' });
    expect(parseShellCommand({ command: 'log', msg: 'm' }, 'bolt')).toEqual({ command: 'log', msg: 'm', level: 'info' });
    expect(parseShellCommand({ command: 'log', msg: 'm', level: 4 }, 'bolt')).toEqual({ command: 'log', msg: 'm', level: 'error' });
    expect(parseShellCommand({ command: 'error', msg: 'x' }, 'spout')).toEqual({ command: 'error', msg: 'x' });
    expect(parseShellCommand({ command: 'metrics', name: 'n', params: 3 }, 'bolt')).toEqual({ command: 'metrics', name: 'n', params: 3 });
  });

  it('names what is wrong with a message', () => {
    const bad: [unknown, 'bolt' | 'spout', string][] = [
      [[1], 'bolt', 'a message must be a JSON object with a "command"'],
      [{ command: 'dance' }, 'bolt', 'unknown command "dance"'],
      [{}, 'bolt', 'a message must have a "command" string'],
      [{ command: 'emit' }, 'bolt', '"emit" needs a "tuple" array'],
      [{ command: 'emit', tuple: [], need_task_ids: 'yes' }, 'bolt', '"emit" has a "need_task_ids" that is not true or false'],
      [{ command: 'emit', tuple: [], anchors: ['1'] }, 'spout', 'a spout\'s "emit" cannot have anchors'],
      [{ command: 'ack', id: '1' }, 'spout', 'a spout cannot send "ack"'],
      [{ command: 'ack' }, 'bolt', '"ack" needs an "id" (the id of the tuple it received)'],
      [{ command: 'log', msg: 'm', level: 9 }, 'bolt', '"log" has a "level" that is not 0 (trace) to 4 (error)'],
    ];
    for (const [value, role, message] of bad) expect(() => parseShellCommand(value, role)).toThrow(message);
  });

  it('reads the pid reply of the handshake', () => {
    expect(parsePidReply({ pid: 4242 })).toBe(4242);
    expect(() => parsePidReply({ pid: 'x' })).toThrow('the handshake reply must be {"pid": <positive integer>}');
  });
});
