// gale's multilang adapter for Node.js (no dependencies): write a shell bolt or spout in plain
// JavaScript. It speaks Storm's multilang protocol as documented (JSON, then a line "end", over
// stdin/stdout), so the same script runs under gale's ShellBolt/ShellSpout and Apache Storm's.
// See docs/multilang.md.
//
//   import { BasicBolt } from './gale-multilang.js';
//   class Split extends BasicBolt {
//     async process(tuple) { for (const w of tuple.values[0].split(' ')) await this.emit([w]); }
//   }
//   new Split().run();
//
// Never write to stdout yourself (console.log): it carries the protocol. Use this.log() or stderr.

import { closeSync, openSync } from 'node:fs';
import path from 'node:path';

export const LOG_TRACE = 0;
export const LOG_DEBUG = 1;
export const LOG_INFO = 2;
export const LOG_WARN = 3;
export const LOG_ERROR = 4;

const HEARTBEAT_STREAM = '__heartbeat';

/** A tuple received by a bolt. */
export class Tuple {
  constructor(id, component, stream, task, values) {
    this.id = id;
    this.component = component;
    this.stream = stream;
    this.task = task;
    this.values = values;
  }
  isHeartbeat() {
    return this.task === -1 && this.stream === HEARTBEAT_STREAM;
  }
  isTick() {
    return this.component === '__system' && this.stream === '__tick';
  }
}

/**
 * Messages over stdin/stdout. Task-id replies (JSON arrays) answer emits in order; everything
 * else is a command for the component. Writes are joined per event-loop turn into one write.
 */
class Channel {
  constructor(input = process.stdin, output = process.stdout) {
    this.input = input;
    this.output = output;
    this.lines = [];
    this.partial = '';
    this.taskIdWaiters = [];
    this.out = [];
    this.scheduled = false;
    this.onCommand = () => {};
    this.onEnd = () => process.exit(0);
  }

  start() {
    this.input.setEncoding('utf8');
    this.input.on('data', (chunk) => this.read(chunk));
    this.input.on('end', () => {
      this.flush();
      this.onEnd();
    });
  }

  read(chunk) {
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf('\n', start);
      if (nl < 0) break;
      let line = this.partial + chunk.slice(start, nl);
      this.partial = '';
      start = nl + 1;
      if (line.endsWith('\r')) line = line.slice(0, -1);
      if (line !== 'end') {
        this.lines.push(line);
        continue;
      }
      const msg = JSON.parse(this.lines.join('\n'));
      this.lines = [];
      if (Array.isArray(msg)) {
        const w = this.taskIdWaiters.shift();
        if (w !== undefined) w(msg);
      } else {
        this.onCommand(msg);
      }
    }
    this.partial += chunk.slice(start);
  }

  send(message) {
    this.out.push(`${JSON.stringify(message)}\nend\n`);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.flush());
    }
  }

  flush() {
    this.scheduled = false;
    if (this.out.length === 0) return;
    const text = this.out.join('');
    this.out = [];
    this.output.write(text);
  }

  /** The task ids of the emit just sent (gale answers emits in order). */
  nextTaskIds() {
    return new Promise((resolve) => this.taskIdWaiters.push(resolve));
  }
}

class Component {
  constructor() {
    this.conf = {};
    this.context = {};
    this.channel = undefined;
  }

  /** Called once after the handshake with (conf, context); may be async. */
  initialize() {}

  log(message, level = LOG_INFO) {
    this.channel.send({ command: 'log', msg: String(message), level });
  }

  /** Shows in `gale status` under this component (the subprocess keeps running). */
  reportError(message) {
    this.channel.send({ command: 'error', msg: String(message) });
  }

  metrics(name, params) {
    this.channel.send({ command: 'metrics', name, params });
  }

  /** Sends an emit; resolves with the receiving task ids, or undefined for direct emits and needTaskIds false. */
  sendEmit(message, { directTask, needTaskIds = true } = {}) {
    if (directTask !== undefined && directTask !== null) message.task = directTask;
    else if (!needTaskIds) message.need_task_ids = false;
    const wantIds = (directTask === undefined || directTask === null) && needTaskIds;
    const ids = wantIds ? this.channel.nextTaskIds() : Promise.resolve(undefined);
    this.channel.send(message);
    return ids;
  }

  /** Handshake: the first message has conf, context and pidDir; answer with the pid file and the pid. */
  start(channel, onReady) {
    this.channel = channel ?? new Channel();
    let handshaken = false;
    this.channel.onCommand = (msg) => {
      if (handshaken) {
        onReady(msg);
        return;
      }
      handshaken = true;
      this.conf = msg.conf ?? {};
      this.context = msg.context ?? {};
      if (msg.pidDir) closeSync(openSync(path.join(msg.pidDir, String(process.pid)), 'w'));
      this.channel.send({ pid: process.pid });
      this.channel.flush();
      this.ready = Promise.resolve(this.initialize(this.conf, this.context));
    };
    this.channel.start();
  }

  fatal(err) {
    this.reportError(err instanceof Error ? err.stack ?? err.message : String(err));
    this.channel.flush();
    process.exitCode = 1;
    setImmediate(() => process.exit(1));
  }
}

/** A bolt that acks and fails its input tuples itself. `process` may be async; tuples are handled in order. */
export class Bolt extends Component {
  process() {
    throw new Error('override process(tuple)');
  }

  /** Emits on `stream` (default "default") anchored to `anchors`; resolves with the task ids (see sendEmit). */
  emit(values, { stream, anchors, directTask, needTaskIds } = {}) {
    const message = { command: 'emit', tuple: values };
    if (stream !== undefined) message.stream = stream;
    if (anchors !== undefined && anchors.length > 0) message.anchors = anchors.map((a) => (a instanceof Tuple ? a.id : a));
    return this.sendEmit(message, { directTask, needTaskIds });
  }

  ack(tuple) {
    this.channel.send({ command: 'ack', id: tuple.id });
  }

  fail(tuple) {
    this.channel.send({ command: 'fail', id: tuple.id });
  }

  sync() {
    this.channel.send({ command: 'sync' });
  }

  handle(tuple) {
    return this.process(tuple);
  }

  run(channel) {
    let chain = Promise.resolve();
    this.start(channel, (msg) => {
      const t = new Tuple(msg.id, msg.comp, msg.stream, msg.task, msg.tuple);
      if (t.isHeartbeat()) {
        this.sync(); // answered at once, even while a tuple is being processed
        return;
      }
      chain = chain.then(() => this.ready).then(() => this.handle(t)).catch((err) => this.fatal(err));
    });
  }
}

/** A bolt whose emits are anchored to the input, which is acked after `process` (failed if it throws). */
export class BasicBolt extends Bolt {
  emit(values, options = {}) {
    const anchors = options.anchors ?? (this.current !== undefined ? [this.current] : undefined);
    return super.emit(values, { ...options, anchors });
  }

  async handle(tuple) {
    this.current = tuple;
    try {
      await this.process(tuple);
      this.ack(tuple);
    } catch (err) {
      this.reportError(err instanceof Error ? err.stack ?? err.message : String(err));
      this.fail(tuple);
    } finally {
      this.current = undefined;
    }
  }
}

/** A spout: `nextTuple` emits zero or more tuples (may be async); `ack(id)`/`fail(id)` report their trees. */
export class Spout extends Component {
  nextTuple() {}
  /** The tree of the tuple emitted with this id completed: ack(id). */
  ack() {}
  /** It failed or timed out: fail(id); emit it again to replay. */
  fail() {}
  activate() {}
  deactivate() {}

  /** Emits (tracked when `id` is given); resolves with the task ids (see sendEmit). */
  emit(values, { id, stream, directTask, needTaskIds } = {}) {
    const message = { command: 'emit', tuple: values };
    if (id !== undefined && id !== null) message.id = id;
    if (stream !== undefined) message.stream = stream;
    return this.sendEmit(message, { directTask, needTaskIds });
  }

  run(channel) {
    let chain = Promise.resolve();
    this.start(channel, (msg) => {
      chain = chain.then(() => this.ready).then(async () => {
        switch (msg.command) {
          case 'next': await this.nextTuple(); break;
          case 'ack': await this.ack(msg.id); break;
          case 'fail': await this.fail(msg.id); break;
          case 'activate': await this.activate(); break;
          case 'deactivate': await this.deactivate(); break;
          default: break;
        }
        this.channel.send({ command: 'sync' });
      }).catch((err) => this.fatal(err));
    });
  }
}
