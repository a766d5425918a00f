import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { GaleError } from '../errors.js';
import type { Logger } from '../log.js';
import { HttpError } from './errors.js';

/** Largest request body read (JSON actions are tiny). */
const MAX_BODY_BYTES = 64 * 1024;

/** What a handler answers: JSON (serialised here) or text with its content type. */
export type Reply =
  | { status?: number; json: unknown }
  | { status?: number; text: string; contentType: string; headers?: Readonly<Record<string, string>> };

export interface Request {
  readonly method: string;
  readonly path: string;
  /** Path parameters (`:name`), decoded. */
  readonly params: Readonly<Record<string, string>>;
  readonly headers: IncomingMessage['headers'];
  /** The body parsed as JSON (an empty body is `{}`); HttpError 400 when it is not JSON. */
  json(): Promise<unknown>;
}

export interface Route {
  readonly method: 'GET' | 'POST';
  /** `/api/v1/topologies/:name`: segments starting with `:` match one path segment. */
  readonly path: string;
  handle(req: Request): Promise<Reply> | Reply;
}

export interface HttpServerOptions {
  readonly host: string;
  /** 0 picks a free port (tests); see {@link HttpServer.port}. */
  readonly port: number;
  readonly routes: readonly Route[];
  readonly log: Logger;
  /** How a port-in-use error says to fix it (default: the supervisor's `--http-port`). */
  readonly portHint?: string;
}

/**
 * The small HTTP server of a supervisor (and of `gale local --metrics-port`): a route table,
 * JSON in and out, errors as `{ error: { code, message } }`. No framework: a handful of routes.
 */
export class HttpServer {
  private closing: Promise<void> | undefined;

  private constructor(private readonly server: Server, private readonly o: HttpServerOptions) {}

  /** Binds `host:port`; rejects with GALE_ERR_PORT_IN_USE when the port is taken. */
  static async listen(o: HttpServerOptions): Promise<HttpServer> {
    const server = createServer();
    const s = new HttpServer(server, o);
    server.on('request', (req, res) => void s.serve(req, res));
    await new Promise<void>((resolve, reject) => {
      server.once('error', (err: NodeJS.ErrnoException) => {
        reject(err.code === 'EADDRINUSE'
          ? new HttpError(0, 'GALE_ERR_PORT_IN_USE', `HTTP port ${o.port} on ${o.host} is already in use; ${o.portHint ?? 'choose another --http-port (0 turns the server off)'}`)
          : err);
      });
      server.listen(o.port, o.host === 'localhost' ? '127.0.0.1' : o.host, () => resolve());
    });
    return s;
  }

  /** The bound port. */
  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  private async serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let reply: Reply;
    try {
      reply = await this.dispatch(req);
    } catch (err) {
      const status = err instanceof HttpError && err.status > 0 ? err.status : 500;
      if (status === 500) this.o.log.warn({ err: (err as Error).message, url: req.url }, 'HTTP request failed');
      const code = err instanceof GaleError ? err.code : 'GALE_ERR_HTTP_INTERNAL';
      reply = { status: statusFor(err, status), json: { error: { code, message: (err as Error).message ?? String(err) } } };
    }
    const body = 'json' in reply ? JSON.stringify(reply.json) : reply.text;
    res.writeHead(reply.status ?? 200, {
      'content-type': 'json' in reply ? 'application/json; charset=utf-8' : reply.contentType,
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
      ...('headers' in reply ? reply.headers : {}),
    });
    res.end(body);
  }

  private dispatch(req: IncomingMessage): Promise<Reply> | Reply {
    const url = new URL(req.url ?? '/', 'http://gale');
    const parts = url.pathname.split('/').filter((p) => p !== '');
    let pathMatched = false;
    for (const r of this.o.routes) {
      const params = match(r.path, parts);
      if (params === undefined) continue;
      pathMatched = true;
      if (r.method !== req.method) continue;
      return r.handle({ method: r.method, path: url.pathname, params, headers: req.headers, json: () => readJson(req) });
    }
    if (pathMatched) throw new HttpError(405, 'GALE_ERR_HTTP_METHOD', `${req.method} is not allowed on ${url.pathname}`);
    throw new HttpError(404, 'GALE_ERR_HTTP_NOT_FOUND', `no such resource: ${url.pathname}`);
  }

  /** Stops accepting and closes open connections. Idempotent. */
  close(): Promise<void> {
    this.closing ??= new Promise((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
    return this.closing;
  }
}

/** Admin errors keep their meaning over HTTP: unknown topology 404, a bad request 400, a conflict 409. */
function statusFor(err: unknown, status: number): number {
  if (status !== 500) return status;
  const code = (err as GaleError).code;
  if (code === 'GALE_ERR_UNKNOWN_TOPOLOGY') return 404;
  if (code === 'GALE_ERR_USAGE' || code === 'GALE_ERR_UNKNOWN_COMPONENT') return 400;
  if (code === 'GALE_ERR_TOPOLOGY_KILLED') return 409;
  return 500;
}

function match(pattern: string, parts: readonly string[]): Record<string, string> | undefined {
  const want = pattern.split('/').filter((p) => p !== '');
  if (want.length !== parts.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < want.length; i++) {
    const w = want[i]!;
    let got: string;
    try {
      got = decodeURIComponent(parts[i]!);
    } catch {
      return undefined;
    }
    if (w.startsWith(':')) params[w.slice(1)] = got;
    else if (w !== got) return undefined;
  }
  return params;
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new HttpError(413, 'GALE_ERR_HTTP_BAD_REQUEST', `request body over ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8').trim();
  if (text === '') return {};
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new HttpError(400, 'GALE_ERR_HTTP_BAD_REQUEST', 'the request body is not JSON');
  }
}
