import { existsSync, readdirSync, statSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { InitArgs } from '../flags/init-flags.js';
import { packageNameFor, scaffoldFiles } from '../init/templates.js';
import { writeText, type CliContext } from '../context.js';
import { CliUsageError, helpHint } from '../usage-error.js';

/**
 * `gale init <dir>`: writes a topology project of one's own. Refuses a non-empty directory
 * unless `--force`, and even then never overwrites a file that exists (it is listed as kept).
 */
export async function runInit(args: InitArgs, ctx: CliContext): Promise<number> {
  const dir = path.resolve(ctx.cwd, args.dir);
  if (existsSync(dir)) {
    if (!statSync(dir).isDirectory()) {
      throw new CliUsageError('GALE_ERR_INIT_NOT_A_DIR', `"${args.dir}" exists and is not a directory`, helpHint('init'));
    }
    if (!args.force && readdirSync(dir).length > 0) {
      throw new CliUsageError('GALE_ERR_INIT_DIR_NOT_EMPTY',
        `"${args.dir}" is not empty: give a new or empty directory, or --force to add the missing files (existing ones are kept)`, helpHint('init'));
    }
  }
  const name = packageNameFor(path.basename(dir));
  const written: string[] = [];
  const kept: string[] = [];
  for (const f of scaffoldFiles({ name, galeRange: `^${ctx.version}` })) {
    const target = path.join(dir, ...f.path.split('/'));
    if (existsSync(target)) {
      kept.push(f.path);
      continue;
    }
    await mkdir(path.dirname(target), { recursive: true });
    // 'wx': a file created meanwhile is not overwritten either.
    await writeFile(target, f.text, { flag: 'wx' });
    written.push(f.path);
  }
  const rel = path.isAbsolute(args.dir) ? args.dir : path.relative(ctx.cwd, dir) || '.';
  const lines = [
    `created ${name} in ${rel}: ${written.join(', ')}`,
    ...(kept.length > 0 ? [`kept existing: ${kept.join(', ')}`] : []),
    '',
    'next:',
    `  cd ${rel}`,
    '  npm install',
    '  npm test     # the sample topology\'s test, in local mode',
    '  npm start    # word count of data/sample.txt',
    '',
  ];
  await writeText(ctx.stdout, lines.join('\n'));
  return 0;
}
