// The README's five-minute tutorial runs as written: the code blocks marked
// `<!-- readme-test: <path> -->` are saved where the README says (in a scratch folder beside that
// path, so a reader's own copy is never overwritten), the `gale local` command marked
// `<!-- readme-test: run -->` is run on them, and the test file is run by jest with the repo's
// own configuration, as `npx jest` would.
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT, gale } from '../cli/gale-process.js';

interface Block {
  target: string;
  lang: string;
  code: string;
}

function readmeBlocks(): Block[] {
  const readme = readFileSync(path.join(REPO_ROOT, 'README.md'), 'utf8');
  const blocks: Block[] = [];
  for (const m of readme.matchAll(/^<!-- readme-test: (\S+(?: \S+)?) -->\n```(\w+)\n([\s\S]*?)^```$/gm)) {
    blocks.push({ target: m[1]!, lang: m[2]!, code: m[3]! });
  }
  return blocks;
}

function runJest(testFile: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const jestBin = path.join(REPO_ROOT, 'node_modules', 'jest', 'bin', 'jest.js');
    // --reporters default: the repo's summary reporter would overwrite this run's test-results/.
    const child = spawn(process.execPath, [jestBin, '--ci', '--reporters', 'default', '--runTestsByPath', testFile], { cwd: REPO_ROOT });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (output += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (output += d));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, output }));
  });
}

describe('the README tutorial', () => {
  const blocks = readmeBlocks();
  const scratch = path.join(REPO_ROOT, 'topologies', `readme-test-${process.pid}`);
  /** Where a README path is saved for this test: same file name, in the scratch folder. */
  const saved = (target: string): string => path.join(scratch, path.basename(target));

  beforeAll(() => {
    mkdirSync(scratch, { recursive: true });
    for (const b of blocks) if (b.target !== 'run' && !b.target.startsWith('output ')) writeFileSync(saved(b.target), b.code);
  });

  afterAll(() => {
    rmSync(scratch, { recursive: true, force: true });
  });

  it('has the topology, the command and the test marked for testing', () => {
    expect(blocks.map((b) => [b.target, b.lang])).toEqual([
      ['topologies/my-topology.ts', 'ts'], ['run', 'sh'], ['output checkouts.tsv', 'text'], ['topologies/my-topology.test.ts', 'ts'],
    ]);
  });

  it('runs the topology with the command shown, to the end', async () => {
    const command = blocks.find((b) => b.target === 'run')!.code.trim();
    const words = command.split(/\s+/);
    expect(words.slice(0, 3)).toEqual(['npx', 'gale', 'local']);
    const output = blocks.find((b) => b.target.startsWith('output '))!;
    const outName = output.target.slice('output '.length);
    // The topology and its output file are kept in the scratch folder, not the repo root.
    const args = words.slice(2).map((w) => (w === 'topologies/my-topology.ts' ? path.relative(REPO_ROOT, saved(w))
      : w === `output=${outName}` ? `output=${saved(outName)}` : w));
    expect(args).toContain(`output=${saved(outName)}`);
    const r = await gale(args, { timeoutMs: 60_000 });
    expect({ code: r.code, stderr: r.code === 0 ? '' : r.stderr }).toEqual({ code: 0, stderr: '' });
    // What the README says the run prints and writes.
    expect(r.stderr).toMatch(/^gale: total count +bolt +executed 16667 /m);
    expect(readFileSync(saved(outName), 'utf8')).toBe(output.code);
  });

  it('passes the test shown', async () => {
    const r = await runJest(path.relative(REPO_ROOT, saved('topologies/my-topology.test.ts')));
    expect({ code: r.code, output: r.code === 0 ? '' : r.output }).toEqual({ code: 0, output: '' });
    expect(r.output).toMatch(/✓ counts checkouts per user/);
  });
});
