import { SCAFFOLD_DEV_DEPENDENCIES } from './dev-versions.js';

/**
 * The files of a project made by `gale init`, as text. A project of one's own runs with the
 * installed packages (`npx gale local`, `npx gale deploy`) and tests with jest in ESM mode: the
 * gale packages are ES modules, so the tests import them as Node does (no CommonJS transform).
 */

export interface ScaffoldFile {
  /** Relative to the project directory, with `/`. */
  readonly path: string;
  readonly text: string;
}

export interface ScaffoldOptions {
  /** npm package name of the project. */
  readonly name: string;
  /** Version range of the gale packages, e.g. `^0.1.0`. */
  readonly galeRange: string;
}

const RUN = 'gale local topologies/word-count.ts --set input=data/sample.txt --set output=out/counts.tsv --until-idle';

function packageJson(o: ScaffoldOptions): string {
  const pkg = {
    name: o.name,
    version: '0.1.0',
    private: true,
    type: 'module',
    scripts: {
      start: `${RUN} && head -n 5 out/counts.tsv`,
      // jest in ESM mode: the gale packages are ES modules.
      test: 'NODE_OPTIONS=--experimental-vm-modules jest',
      typecheck: 'tsc --noEmit',
    },
    dependencies: {
      '@gale/bolt-kit': o.galeRange,
      '@gale/runtime': o.galeRange,
      '@gale/spout-kit': o.galeRange,
    },
    devDependencies: SCAFFOLD_DEV_DEPENDENCIES,
  };
  return `${JSON.stringify(pkg, null, 2)}\n`;
}

const TSCONFIG = `{
  "compilerOptions": {
    "target": "es2022",
    "module": "nodenext",
    "moduleResolution": "nodenext",
    "strict": true,
    "noEmit": true,
    "skipLibCheck": true,
    "types": ["node", "jest"]
  },
  "include": ["topologies/**/*.ts"]
}
`;

const JEST_CONFIG = `// Jest in ESM mode (npm test passes --experimental-vm-modules): the gale packages are ES modules.
module.exports = {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  transform: {
    '^.+\\\\.ts$': ['@swc/jest', { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'es6' } }],
  },
  // Sources import './x.js' as Node wants; jest finds the .ts.
  moduleNameMapper: { '^(\\\\.{1,2}/.*)\\\\.js$': '$1' },
};
`;

const TOPOLOGY = `/**
 * A sample topology: counts the words of a text file.
 *
 *   lines (FileLineSpout) --shuffle--> split (2) --fields(word)--> count (CountBolt, 2)
 *     --global--> sink (CountsFileSinkBolt: writes word<TAB>count lines at shutdown)
 *
 * Run: npm start   (gale local ... --set input=<file> --set output=<file> --until-idle)
 */
import {
  BaseBasicBolt, TopologyBuilder,
  type BasicOutputCollector, type OutputFieldsDeclarer, type Topology, type TopologyParams, type Tuple,
} from '@gale/runtime';
import { CountBolt, CountsFileSinkBolt } from '@gale/bolt-kit';
import { FileLineSpout } from '@gale/spout-kit';

/** Emits \`[word]\` for each lower-cased run of letters and digits of the line. */
export class SplitBolt extends BaseBasicBolt {
  declareOutputFields(declarer: OutputFieldsDeclarer): void {
    declarer.declare(['word']);
  }

  execute(tuple: Tuple, collector: BasicOutputCollector): void {
    for (const word of tuple.getStringByField('line').toLowerCase().split(/[^a-z0-9]+/)) {
      if (word !== '') collector.emit([word]);
    }
  }
}

export function buildWordCount(input: string, output: string): Topology {
  const b = new TopologyBuilder();
  b.setSpout('lines', new FileLineSpout({ path: input }));
  b.setBolt('split', new SplitBolt(), 2).shuffleGrouping('lines');
  b.setBolt('count', new CountBolt({ keyField: 'word' }), 2).fieldsGrouping('split', ['word']);
  b.setBolt('sink', new CountsFileSinkBolt({ path: output })).globalGrouping('count');
  return b.build({ name: 'word-count' });
}

/** The entry point of \`gale local\` and \`gale deploy\`: \`--set input=<file> --set output=<file>\`. */
export default function wordCount(params: TopologyParams): Topology {
  return buildWordCount(params.string('input'), params.string('output'));
}
`;

const TEST = `import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ParamSet, completeTopology } from '@gale/runtime';
import wordCount from './word-count.js';

test('counts every word of the lines', async () => {
  const output = join(mkdtempSync(join(tmpdir(), 'word-count-')), 'counts.tsv');
  const topology = wordCount(new ParamSet({ input: 'unused.txt', output }));
  // The spout's file is replaced by fixed lines; the sink writes its file at shutdown.
  const out = await completeTopology(topology, {
    mockedSources: { lines: [['The quick fox'], ['the lazy dog, the end']] },
  });
  const last = new Map<string, number>();
  for (const [word, count] of out.emitted('count')) last.set(word as string, count as number);
  expect(Object.fromEntries(last)).toEqual({ the: 3, quick: 1, fox: 1, lazy: 1, dog: 1, end: 1 });
  expect(readFileSync(output, 'utf8').split('\\n')[0]).toBe('the\\t3');
});
`;

const SAMPLE = `It was the best of times, it was the worst of times,
it was the age of wisdom, it was the age of foolishness,
it was the epoch of belief, it was the epoch of incredulity,
it was the season of Light, it was the season of Darkness.
`;

function readme(o: ScaffoldOptions): string {
  return `# ${o.name}

Stream topologies for [gale](https://www.npmjs.com/package/@gale/runtime).

\`\`\`sh
npm install
npm test        # jest: runs topologies/word-count.test.ts in local mode, no servers
npm start       # runs the word count on data/sample.txt and prints the top words
\`\`\`

Run a topology yourself, in this process:

\`\`\`sh
npx ${RUN}
\`\`\`

Deploy it to a cluster (ZooKeeper and at least one \`gale supervisor\` running; workers read the
files named in \`--set\`, so give absolute paths):

\`\`\`sh
npx gale deploy topologies/word-count.ts --zk 127.0.0.1:2181 --set input=$PWD/data/sample.txt --set output=/tmp/counts.tsv
npx gale status word-count --zk 127.0.0.1:2181
npx gale kill word-count --zk 127.0.0.1:2181
\`\`\`

\`npx gale --help\` lists every command.
`;
}

const GITIGNORE = 'node_modules/\nout/\n';

/** Every file of a new project, in writing order. */
export function scaffoldFiles(o: ScaffoldOptions): ScaffoldFile[] {
  return [
    { path: 'package.json', text: packageJson(o) },
    { path: 'tsconfig.json', text: TSCONFIG },
    { path: 'jest.config.cjs', text: JEST_CONFIG },
    { path: 'topologies/word-count.ts', text: TOPOLOGY },
    { path: 'topologies/word-count.test.ts', text: TEST },
    { path: 'data/sample.txt', text: SAMPLE },
    { path: 'README.md', text: readme(o) },
    { path: '.gitignore', text: GITIGNORE },
  ];
}

/** An npm package name made from a directory name: lower case, `[a-z0-9._-]`, not starting with `.` or `_`. */
export function packageNameFor(dirName: string): string {
  const name = dirName.toLowerCase().replace(/[^a-z0-9._-]+/g, '-').replace(/^[._-]+/, '').slice(0, 214);
  return name === '' ? 'gale-topologies' : name;
}
