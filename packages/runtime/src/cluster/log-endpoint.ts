import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import type { Logger } from '../log.js';
import { LogRequestVerifier } from './log-auth.js';
import { LOGS_PATH, matchesQuery, parseLogQuery, type LogEntry, type LogQuery } from './log-query.js';
import { LogTail } from './log-tail.js';
import { WORKER_LOG_KEEP } from './rotating-log-file.js';

/** How often a followed log is checked for new lines. */
export const LOG_FOLLOW_POLL_MS = 250;

/** Sent once by a follow stream when the lines already on disk have all been sent. */
export const CAUGHT_UP = { gale: 'caught-up' } as const;

export interface LogEndpointOptions {
  /** The supervisor's work dir: worker logs are under `<dir>/logs/<topology>/`. */
  readonly dir: string;
  readonly supervisor: string;
  readonly secret: string;
  readonly log: Logger;
  readonly pollMs?: number;
}

const WORKER_FILE = /^worker-(\d+)\.log$/;

/**
 * `GET /logs/<topology>?component=&task=&since=&follow=1`: the matching entries of this
 * supervisor's worker log files as NDJSON, each with `supervisor` and `port` added. Requests
 * must be signed with the cluster secret (log-auth.ts). A plain request handler, so any HTTP
 * server of the supervisor can mount it.
 */
export class LogEndpoint {
  private readonly verifier: LogRequestVerifier;
  private readonly follows = new Set<() => void>();

  constructor(private readonly opts: LogEndpointOptions) {
    this.verifier = new LogRequestVerifier(() => opts.secret);
  }

  /** Handles the request when it is for this endpoint; false leaves it to the caller. */
  handle(req: IncomingMessage, res: ServerResponse): boolean {
    const target = req.url ?? '';
    if (!target.startsWith(LOGS_PATH)) return false;
    const refuse = (status: number, why: string): void => {
      res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' }).end(`${why}\n`);
    };
    if (req.method !== 'GET') {
      refuse(405, 'only GET');
      return true;
    }
    const denied = this.verifier.refusal('GET', target, req.headers);
    if (denied !== undefined) {
      this.opts.log.warn({ remote: req.socket.remoteAddress, why: denied }, 'log request refused');
      refuse(401, denied);
      return true;
    }
    const q = parseLogQuery(target);
    if (typeof q === 'string') {
      refuse(400, q);
      return true;
    }
    const topoDir = path.join(this.opts.dir, 'logs', q.topology);
    if (!existsSync(topoDir)) {
      refuse(404, `no logs of topology "${q.topology}" on supervisor ${this.opts.supervisor}`);
      return true;
    }
    res.writeHead(200, { 'content-type': 'application/x-ndjson; charset=utf-8', 'cache-control': 'no-store' });
    this.serve(topoDir, q, req, res).catch((err: unknown) => {
      this.opts.log.warn({ err: (err as Error).message, topology: q.topology }, 'log request failed');
      res.destroy();
    });
    return true;
  }

  /** Ends every follow stream (the supervisor is stopping). */
  close(): void {
    for (const stop of [...this.follows]) stop();
  }

  private async serve(topoDir: string, q: LogQuery, req: IncomingMessage, res: ServerResponse): Promise<void> {
    let closed = false;
    res.on('close', () => (closed = true));
    const send = async (port: number, line: string): Promise<void> => {
      if (closed) return;
      let e: LogEntry;
      try {
        const v = JSON.parse(line) as unknown;
        e = typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as LogEntry) : { msg: line };
      } catch {
        e = { msg: line }; // a line that is not JSON (a crash printed to the file) is still shown
      }
      if (!matchesQuery(e, q)) return;
      if (!res.write(`${JSON.stringify({ ...e, supervisor: this.opts.supervisor, port })}\n`)) {
        await new Promise<void>((resolve) => {
          res.once('drain', resolve);
          res.once('close', resolve);
        });
      }
    };
    const tails = new Map<string, { port: number; tail: LogTail }>();
    const scan = async (): Promise<void> => {
      for (const name of (await readdir(topoDir).catch(() => [] as string[])).sort()) {
        const m = WORKER_FILE.exec(name);
        if (m === null || tails.has(name)) continue;
        const port = Number(m[1]);
        const file = path.join(topoDir, name);
        // Rotated files first, oldest first: each is read once, whole.
        for (let i = WORKER_LOG_KEEP; i >= 1 && !closed; i--) await new LogTail(`${file}.${i}`).read((l) => send(port, l));
        tails.set(name, { port, tail: new LogTail(file) });
      }
      for (const { port, tail } of tails.values()) if (!closed) await tail.read((l) => send(port, l));
    };
    await scan();
    if (!q.follow || closed) {
      res.end();
      return;
    }
    res.write(`${JSON.stringify(CAUGHT_UP)}\n`);
    await new Promise<void>((resolve) => {
      let busy = false;
      const timer = setInterval(() => {
        if (busy) return;
        busy = true;
        scan().catch(() => {}).finally(() => (busy = false));
      }, this.opts.pollMs ?? LOG_FOLLOW_POLL_MS);
      const stop = (): void => {
        clearInterval(timer);
        this.follows.delete(stop);
        resolve();
      };
      this.follows.add(stop);
      req.on('close', stop);
      res.on('close', stop);
    });
    res.end();
  }
}
