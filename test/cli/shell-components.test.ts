// Shell (multilang) components through `gale local`: bad input gives one line, a subprocess's
// stderr reaches gale's log with its component and task.
import path from 'node:path';
import { expectUsageError, fixture, gale, lines, REPO_ROOT } from './gale-process.js';

describe('gale local with shell components', () => {
  it('refuses a shell bolt without a command (exit 2, one line)', async () => {
    const r = await gale(['local', fixture('shell-no-command.ts')]);
    expectUsageError(r, 'ShellBolt needs a "command" (the program to run, e.g. "python3"), got ""');
  });

  it('names the component whose subprocess never sends its pid (exit 1, one line)', async () => {
    const r = await gale(['local', fixture('shell-no-pid.ts')]);
    expect(r.code).toBe(1);
    const err = lines(r.stderr);
    expect(err[0]).toMatch(/^gale: bolt "mute" \(task \d+\) failed in prepare\(\): shell bolt "mute" task \d+ \(python3 -c import time; time\.sleep\(60\)\) sent no pid within 10000 ms of the handshake; a multilang program must answer \{"pid": <pid>\} first$/);
    expect(err).toHaveLength(1);
    expect(r.stderr).not.toMatch(/^\s+at /m);
  }, 60_000);

  it('logs the subprocess\'s stderr with its component and task', async () => {
    const dir = path.join(REPO_ROOT, 'packages', 'runtime', 'src', 'multilang', '__tests__', 'fixtures');
    const r = await gale(['local', fixture('shell-stderr.ts'), '--set', `dir=${dir}`, '--set', `adapters=${path.join(REPO_ROOT, 'packages', 'runtime', 'multilang')}`,
      '--until-idle', '--stats-interval', '0']);
    expect(r.code).toBe(0);
    const logged = lines(r.stderr).filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(logged).toEqual(expect.arrayContaining([
      expect.objectContaining({ msg: 'shell subprocess stderr', component: 'faulty', task: expect.any(Number) as number, line: 'to stderr from python' }),
    ]));
  }, 60_000);
});
