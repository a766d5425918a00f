// `--help` of every command, as the built `gale` prints it (the esbuild bundle, not the sources
// jest compiles: the two once loaded different builds of the help layout library, and the
// bundle's cut words in two at the column width, `maxSpoutPendin` / `g`). Lines are wrapped at
// spaces only, at a full-width terminal (a pipe: 100 columns) and at narrow ones (laid out 80 wide, the
// narrowest that fits the longest words beside their flags).
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { COMMAND_DEFS } from '../../packages/runtime/src/cli/args.js';
import type { CommandDef } from '../../packages/runtime/src/cli/flags/command.js';
import { defaultText } from '../../packages/runtime/src/cli/flags/register.js';
import { REPO_ROOT } from './gale-process.js';

const RUNTIME_DIR = path.join(REPO_ROOT, 'packages', 'runtime');

/** The width help is laid out in on a terminal `columns` wide: between 80 and 100 (docs/cli.md). */
const HELP_WIDTH = (columns: number): number => Math.min(100, Math.max(80, columns));

/** The help texts the built CLI's run() writes for each command line, at a terminal `columns` wide. */
function builtHelp(argvs: readonly (readonly string[])[], columns: number): string[] {
  const script = `
    const { run } = await import(${JSON.stringify(path.join(RUNTIME_DIR, 'dist', 'cli', 'run.js'))});
    const out = [];
    for (const argv of ${JSON.stringify(argvs)}) {
      let text = '';
      const stdout = { columns: ${columns}, write(chunk, cb) { text += chunk; cb?.(); return true; } };
      const code = await run(argv, { runtimeDir: ${JSON.stringify(RUNTIME_DIR)}, stdout });
      if (code !== 0) throw new Error('exit ' + code + ' for ' + argv.join(' '));
      out.push(text);
    }
    process.stdout.write(JSON.stringify(out));`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: REPO_ROOT, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`help run failed (${r.status}): ${r.stderr}`);
  return JSON.parse(r.stdout) as string[];
}

/** The words of a command's own texts, each of which must appear whole in its help. */
function wordsOf(def: CommandDef<unknown>): string[] {
  const texts = [def.epilog, def.positional?.describe ?? '', ...def.flags.flatMap((f) => {
    const dflt = defaultText(f);
    return [f.describe, dflt === undefined ? '' : `[default: ${dflt}]`];
  })];
  return texts.flatMap((t) => t.split(/\s+/)).filter((w) => w.length > 0);
}

function tokens(help: string): Set<string> {
  return new Set(help.split(/\s+/));
}

describe('gale --help wraps lines between words', () => {
  const argvs = [['--help'], ...COMMAND_DEFS.map((d) => [d.name, '--help'])];

  it.each([100, 80, 50])('at %i columns, every word of every command\'s help is whole', (columns) => {
    const [top, ...perCommand] = builtHelp(argvs, columns);
    const broken: string[] = [];
    const topTokens = tokens(top!);
    for (const def of COMMAND_DEFS) {
      for (const w of def.summary.split(/\s+/)) if (!topTokens.has(w)) broken.push(`gale --help: "${w}"`);
    }
    COMMAND_DEFS.forEach((def, i) => {
      const help = perCommand[i]!;
      const have = tokens(help);
      for (const w of wordsOf(def)) if (!have.has(w)) broken.push(`gale ${def.name} --help: "${w}"`);
      for (const line of help.split('\n')) if (line.length > HELP_WIDTH(columns)) broken.push(`gale ${def.name} --help: line over ${HELP_WIDTH(columns)}: ${line}`);
    });
    expect(broken).toEqual([]);
  });
});

describe('gale <command> --help at 80 columns lays out paragraphs and examples whole', () => {
  const helps = builtHelp(COMMAND_DEFS.map((d) => [d.name, '--help']), 80);

  it.each(COMMAND_DEFS.map((d, i) => [d.name, i] as const))('%s: no fragment lines in the closing paragraphs, no example split', (name, i) => {
    const help = helps[i]!;
    const problems: string[] = [];
    const all = help.split('\n');
    // The closing paragraphs: after the last blank line. A line wrapped by the layout is as full
    // as it can be: the next line's first word would not have fitted on it. A shorter line is a
    // hard break inside a paragraph, unless the next line starts a paragraph of its own.
    const start = all.lastIndexOf('', all.length - 2) + 1;
    const closing = all.slice(start).filter((l) => l.length > 0);
    closing.forEach((line, j) => {
      const next = closing[j + 1];
      if (next === undefined || next.startsWith('Exit codes:')) return;
      const word = next.split(' ')[0]!;
      if (line.length + 1 + word.length <= 80) problems.push(`fragment: "${line}" / "${next}"`);
    });
    // Examples: every line of the section is an example (starts with "gale"): a command never wraps.
    const ex = all.indexOf('Examples:');
    if (ex >= 0) {
      for (const l of all.slice(ex + 1)) {
        if (l === '') break;
        if (!/^ {2}gale /.test(l) && !/^ {20,}\S/.test(l)) problems.push(`example split: "${l}"`);
      }
    }
    expect(problems).toEqual([]);
  });
});
