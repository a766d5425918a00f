import type { LogLevel } from '../../log.js';
import { defineCommand } from './command.js';
import { GLOBAL_FLAGS } from './global-flags.js';
import type { BooleanFlag } from './table.js';

/** `gale init <dir>`: scaffolds a topology project of one's own. */
export interface InitArgs {
  readonly command: 'init';
  /** The project directory as typed (relative to the working directory). */
  readonly dir: string;
  /** Write into a directory that already has files (never overwrites an existing file). */
  readonly force: boolean;
  readonly logLevel: LogLevel | undefined;
}

const force: BooleanFlag = {
  flag: 'force', kind: 'boolean', describe: 'Also write into a non-empty directory (existing files are kept, never overwritten)',
};

export const INIT_COMMAND = defineCommand({
  name: 'init',
  summary: 'Create a topology project of your own (package.json, sample topology, test)',
  usage: 'gale init <dir> [options]\n\nCreate a topology project of your own.',
  epilog: [
    ['Writes a package.json depending on @gale/runtime and the kits, a tsconfig.json, a sample', 'word-count topology with its jest test, sample data and a README with the run, test and', 'deploy commands. Then: cd <dir> && npm install && npm test && npm start.'].join(' '),
    ['Exit codes: 0 ok, 1 failure (cannot write), 2 usage error (non-empty dir without --force).', 'Reference: docs/cli.md'].join(' '),
  ].join('\n'),
  examples: [['gale init my-topologies', 'a new project in ./my-topologies']],
  positional: {
    name: 'dir',
    describe: 'Directory of the new project (created if missing)',
    missing: 'missing project directory: gale init <dir>',
  },
  takes: 'one directory',
  flags: { ...GLOBAL_FLAGS, force },
  build: (v, { positional }): InitArgs => ({ command: 'init', dir: positional, ...v }),
});
