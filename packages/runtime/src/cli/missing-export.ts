import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { shownPath } from './shown-path.js';
import { CliUsageError } from './usage-error.js';

/** Node's message for an import of a name the module does not export (ESM link error). */
const MISSING = /^The requested module '([^']+)' does not provide an export named '([^']+)'/;

/** The packages whose exports are searched for the name a wrong import asked for. */
const GALE_PACKAGES = ['runtime', 'spout-kit', 'bolt-kit'] as const;

/**
 * A topology (or a file it imports) that imports a name its package does not export —
 * `import FileLineSpout from '@gale/spout-kit'`, `import { FileLineSpout } from '@gale/bolt-kit'` —
 * fails when Node links the compiled bundle, with a SyntaxError naming the package's dist file and
 * no line of the user's. This turns it into a usage error (exit 2, like a compile error) naming the
 * package, the import's `file:line` in the topology file when it is there, and the gale package
 * that does export the name. Anything else: undefined (the caller rethrows it).
 */
export async function missingExportError(err: unknown, topologyFile: string, runtimeDir: string, cwd: string): Promise<CliUsageError | undefined> {
  if (!(err instanceof SyntaxError)) return undefined;
  const m = MISSING.exec(err.message);
  if (m === null) return undefined;
  const pkg = packageName(m[1]!) ?? m[1]!;
  const asked = m[2]!;
  const source = readSource(topologyFile);
  const found = source === undefined ? undefined : findImport(source, pkg, asked);
  // For a default import, the name the user meant is the local binding (`import FileLineSpout from ...`).
  const meant = asked === 'default' ? found?.binding : asked;
  const at = found === undefined ? '' : `${shownPath(cwd, topologyFile)}:${found.line}: `;
  const what = asked === 'default' ? `${pkg} has no default export` : `${pkg} does not export ${asked}`;
  let hint = asked === 'default' ? `gale packages have named exports only: import { ${meant ?? 'Name'} } from '${pkg}'` : undefined;
  if (meant !== undefined) {
    const owners = await exportersOf(meant, runtimeDir);
    if (owners.length > 0) hint = `${meant} is exported by ${owners.join(', ')}: import { ${meant} } from '${owners[0]}'`;
  }
  return new CliUsageError('GALE_ERR_MISSING_EXPORT', `${at}${what}${found === undefined ? '' : ` (${found.statement})`}${hint === undefined ? '' : `; ${hint}`}`);
}

/** The `name` of the package.json nearest above the module at `url`. */
function packageName(url: string): string | undefined {
  let dir: string;
  try {
    dir = path.dirname(url.startsWith('file:') ? fileURLToPath(url) : url);
  } catch {
    return undefined;
  }
  for (;;) {
    const file = path.join(dir, 'package.json');
    if (existsSync(file)) {
      try {
        const name = (JSON.parse(readFileSync(file, 'utf8')) as { name?: unknown }).name;
        if (typeof name === 'string') return name;
      } catch {
        // unreadable: look further up
      }
    }
    const up = path.dirname(dir);
    if (up === dir) return undefined;
    dir = up;
  }
}

function readSource(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

/** The import statement of `pkg` that asks for `asked` (else the first of `pkg`): its line, text and default binding. */
export function findImport(source: string, pkg: string, asked: string): { line: number; statement: string; binding: string | undefined } | undefined {
  const escaped = pkg.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  const re = new RegExp(`import\\s+(?!type\\b)([^;'"]*?)\\s*from\\s*(['"])${escaped}\\2`, 'g');
  let first: { line: number; statement: string; binding: string | undefined } | undefined;
  for (let m = re.exec(source); m !== null; m = re.exec(source)) {
    const clause = m[1]!;
    const binding = /^([A-Za-z_$][\w$]*)/.exec(clause)?.[1];
    const hit = { line: source.slice(0, m.index).split('\n').length, statement: m[0].replace(/\s+/g, ' '), binding };
    const asks = asked === 'default' ? binding !== undefined : new RegExp(`[{,]\\s*${asked.replace(/\$/g, '\\$')}\\b`).test(clause);
    if (asks) return hit;
    first ??= hit;
  }
  return first;
}

/** The gale packages (beside the runtime the CLI runs) that export `name`. */
async function exportersOf(name: string, runtimeDir: string): Promise<string[]> {
  const owners: string[] = [];
  for (const dir of GALE_PACKAGES) {
    const root = dir === 'runtime' ? runtimeDir : path.join(runtimeDir, '..', dir);
    const entry = path.join(root, 'dist', 'index.js');
    if (!existsSync(entry)) continue;
    try {
      const mod = (await import(pathToFileURL(entry).href)) as Record<string, unknown>;
      if (Object.prototype.hasOwnProperty.call(mod, name)) owners.push(`@gale/${dir}`);
    } catch {
      // a package that does not load: it cannot be the one to use
    }
  }
  return owners;
}
