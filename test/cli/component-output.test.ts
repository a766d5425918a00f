// A component's console output and errors in `gale local`: console.log/error never reach stdout
// (stdout stays the --json report), they go to stderr prefixed with component and task; a thrown
// error names the topology file's line (source maps of the esbuild bundle).
import path from 'node:path';
import { REPO_ROOT, fixture, gale, lines } from './gale-process.js';

/** chatty.ts throws on line 12, column 24 (`new Error`). */
const THROW_AT = `${path.join(REPO_ROOT, fixture('chatty.ts'))}:12:24`;

interface Report {
  components: { component: string; executed: number; errors: number }[];
  errors: { component: string; task: number; message: string; source?: string; stack?: string }[];
}

describe('component output in gale local', () => {
  it('--json: stdout is only the JSON report; console output goes to stderr with component and task', async () => {
    const r = await gale(['local', fixture('chatty.ts'), '--until-idle', '--json', '--stats-interval', '0']);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as Report; // throws if anything else reached stdout
    expect(report.errors).toEqual([expect.objectContaining({ component: 'chatty', message: 'chatty cannot take 3', source: THROW_AT })]);
    expect(report.errors[0]!.stack).toContain(`at ChattyBolt.execute (${THROW_AT})`);
    const err = lines(r.stderr);
    for (let n = 0; n < 5; n++) {
      expect(err).toContainEqual(expect.stringMatching(new RegExp(`^\\[chatty:\\d+\\] chatty saw ${n}$`)));
      expect(err).toContainEqual(expect.stringMatching(new RegExp(`^\\[chatty:\\d+\\] chatty complains about ${n}$`)));
    }
    expect(r.stdout).not.toContain('chatty saw');
  });

  it('without --json: the summary and the error log line name the file and line; the logged stack has no gale frames', async () => {
    const r = await gale(['local', fixture('chatty.ts'), '--until-idle', '--stats-interval', '0', '--log-level', 'error']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    expect(lines(r.stderr)).toContainEqual(`gale: error in "chatty" (task ${/\[chatty:(\d+)\] chatty saw 3/.exec(r.stderr)![1]}): chatty cannot take 3 (at ${THROW_AT})`);
    const logged = lines(r.stderr).filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(logged.find((e) => e.msg === 'component error stack')).toMatchObject({ component: 'chatty', err: 'chatty cannot take 3', source: THROW_AT });
    // The stack names the topology's code, never gale's own (the executor loop that called execute()).
    const stack = String(logged.find((e) => e.msg === 'component error stack')!.stack);
    expect(stack).toContain(`at ChattyBolt.execute (${THROW_AT})`);
    expect(stack).not.toMatch(/packages\/(runtime|spout-kit|bolt-kit)\/dist|@gale\/|BoltTask/);
  });
});
