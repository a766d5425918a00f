import pino from 'pino';

/**
 * pino itself. The runtime's bundles replace this module (scripts/bundle-packages.mjs) with one
 * that require()s pino, bundled on its own as dist/chunks/pino.cjs, the first time it is called:
 * a process that logs nothing never loads it (see lazy-logger.ts).
 */
export function loadPino(): typeof pino {
  return pino;
}
