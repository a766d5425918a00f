import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Logger } from '../log.js';
import type { Reply, Route } from './server.js';

/**
 * The web UI (`packages/runtime/ui`): one page and its script and style, served from the
 * supervisor's HTTP server. The script reads the REST API; every string from the cluster is
 * written as text. The policy below forbids inline script, so even a string that slipped into
 * markup could not run.
 */
const UI_HEADERS = {
  'content-security-policy': "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'",
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
};

const FILES = [
  { route: '/', file: 'index.html', type: 'text/html; charset=utf-8' },
  { route: '/ui/app.js', file: 'app.js', type: 'text/javascript; charset=utf-8' },
  { route: '/ui/style.css', file: 'style.css', type: 'text/css; charset=utf-8' },
] as const;

/** Routes for the UI's files in `dir`, read once; a missing file answers 500 saying where it was looked for. */
export function uiRoutes(dir: string, log: Logger): Route[] {
  return FILES.map(({ route, file, type }) => {
    const full = path.join(dir, file);
    let reply: Reply;
    try {
      reply = { text: readFileSync(full, 'utf8'), contentType: type, headers: UI_HEADERS };
    } catch (err) {
      log.warn({ file: full, err: (err as Error).message }, 'web UI file missing: the UI is not served');
      reply = { status: 500, text: `gale web UI: ${full} is missing (is @gale/runtime installed completely?)\n`, contentType: 'text/plain; charset=utf-8' };
    }
    return { method: 'GET', path: route, handle: () => reply };
  });
}
