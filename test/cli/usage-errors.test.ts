// `gale` command-line mistakes: exit code 2, one `gale: ...` line (plus a hint), no stack trace.
import { expectUsageError, fixture, gale, lines } from './gale-process.js';

describe('gale command line', () => {
  it('prints help for the CLI and for a command on stdout, exit 0', async () => {
    const top = await gale(['--help']);
    expect(top.code).toBe(0);
    expect(top.stdout).toContain('gale local <file>');
    const local = await gale(['local', '--help']);
    expect(local.code).toBe(0);
    expect(local.stdout).toMatch(/--until-idle/);
    expect(local.stdout).toMatch(/--stats-interval/);
    expect(local.stderr).toBe('');
  });

  it('prints the version', async () => {
    const r = await gale(['--version']);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('rejects a missing or unknown command', async () => {
    expectUsageError(await gale([]), 'no command given');
    const r = await gale(['locl', fixture('finite.ts')]);
    expectUsageError(r, 'unknown command "locl" (did you mean "local"?)');
    expect(lines(r.stderr)[1]).toBe('run "gale --help" for usage');
  });

  it('rejects unknown flags without printing the help', async () => {
    const r = await gale(['local', fixture('finite.ts'), '--duraton', '1']);
    expectUsageError(r, 'unknown option "--duraton" for "gale local" (did you mean "--duration"?)');
    expect(lines(r.stderr)[1]).toBe('run "gale local --help" for usage');
  });

  it('rejects a missing file argument and extra arguments', async () => {
    expectUsageError(await gale(['local']), 'missing topology file');
    expectUsageError(await gale(['local', fixture('finite.ts'), 'extra.ts']), 'unexpected argument "extra.ts"');
  });

  it('rejects a topology file that does not exist', async () => {
    expectUsageError(await gale(['local', 'nope/missing.ts']), 'topology file "nope/missing.ts" not found');
  });

  it.each([
    [['--duration', 'abc'], '--duration must be a positive number of seconds, got "abc"'],
    [['--duration', '0'], '--duration must be a positive number of seconds, got "0"'],
    [['--duration', '-3'], '--duration must be a positive number of seconds'],
    [['--duration'], '--duration needs a value'],
    [['--stats-interval', 'often'], '--stats-interval must be'],
    [['--log-level', 'loud'], '--log-level must be one of fatal, error, warn, info, debug, trace, silent'],
  ])('rejects bad flag values: %j', async (flags, phrase) => {
    expectUsageError(await gale(['local', fixture('finite.ts'), ...flags]), phrase);
  });

  it.each([
    ['count', '--set "count" is not key=value'],
    ['=5', '--set "=5" has an empty key'],
    ['maxSpoutPending=abc', '"maxSpoutPending" must be an integer >= 1 or null'],
    ['maxSpoutPending=0', 'config key "maxSpoutPending" (from --set) must be an integer >= 1 or null, got 0'],
    ['ackers=many', '"ackers" must be'],
  ])('rejects bad --set %s', async (entry, phrase) => {
    expectUsageError(await gale(['local', fixture('finite.ts'), '--set', entry]), phrase);
  });
});
