// Command-line mistakes, in-process: each is a CliUsageError (exit code 2) with one precise
// message line and a hint line naming the command's help.
import { COMMAND_DEFS } from '../args.js';
import { rangeText } from '../flags/check.js';
import type { NumberFlag } from '../flags/table.js';
import { BASE_ARGV, usageError } from './parse-args-helpers.js';

const usage = (message: string, command?: string): { code: string; message: string; hint: string } => ({
  code: 'GALE_ERR_USAGE', message, hint: `run "gale${command === undefined ? '' : ` ${command}`} --help" for usage`,
});

describe('commands and flags that do not exist', () => {
  it('no command, an unknown command (did you mean)', () => {
    expect(usageError([])).toEqual(usage('no command given'));
    expect(usageError(['locl', 't.ts'])).toEqual({
      code: 'GALE_ERR_UNKNOWN_COMMAND', message: 'unknown command "locl" (did you mean "local"?)', hint: 'run "gale --help" for usage',
    });
    expect(usageError(['--log-level', 'info', 'stauts', 'wc']).message).toBe('unknown command "stauts" (did you mean "status"?)');
  });

  it.each([
    [['local', 't.ts', '--duraton', '1'], 'unknown option "--duraton" for "gale local" (did you mean "--duration"?)', 'local'],
    [['local', 't.ts', '--duraton', '1', '--jsn'], 'unknown options "--duraton", "--jsn" for "gale local" (did you mean "--duration"?)', 'local'],
    [['supervisor', '--host', 'h', '--ports', '1', '--slot', '1'], 'unknown option "--slot" for "gale supervisor" (did you mean "--slots"?)', 'supervisor'],
    [['kill', 'wc', '--zk-rot', '/x'], 'unknown option "--zk-rot" for "gale kill" (did you mean "--zk-root"?)', 'kill'],
    [['list', '--log-levl', 'info'], 'unknown option "--log-levl" for "gale list" (did you mean "--log-level"?)', 'list'],
    [['status', 'wc', '--wait', '5'], 'unknown option "--wait" for "gale status"', 'status'],
    [['list', '-x'], 'unknown option "-x" for "gale list"', 'list'],
    [['list', '--bogus'], 'unknown option "--bogus" for "gale list"', 'list'],
  ])('unknown flag %j', (argv, message, command) => {
    expect(usageError(argv)).toEqual(usage(message, command));
  });

  it('offers every flag of a command to did-you-mean', () => {
    for (const def of COMMAND_DEFS) {
      for (const flag of def.flags.filter((f) => f.flag.length > 4)) {
        const typo = `${flag.flag.slice(0, -1)}x`;
        const base = BASE_ARGV[def.name]!;
        expect(usageError([...base, `--${typo}`]).message).toBe(`unknown option "--${typo}" for "gale ${def.name}" (did you mean "--${flag.flag}"?)`);
      }
    }
  });
});

describe('positional arguments', () => {
  it.each([
    ['local', 'missing topology file: gale local <file>'],
    ['deploy', 'missing topology file: gale deploy <file>'],
    ['status', 'missing topology name: gale status <name>'],
    ['activate', 'missing topology name: gale activate <name>'],
    ['deactivate', 'missing topology name: gale deactivate <name>'],
    ['rebalance', 'missing topology name: gale rebalance <name>'],
    ['kill', 'missing topology name: gale kill <name>'],
  ])('gale %s without it', (command, message) => {
    expect(usageError([command])).toEqual(usage(message, command));
    expect(usageError([command, '']).message).toBe(message);
  });

  it.each([
    [['local', 't.ts', 'extra.ts'], 'unexpected argument "extra.ts": gale local takes one topology file'],
    [['deploy', 'a.ts', 'b.ts', 'c.ts'], 'unexpected arguments "b.ts", "c.ts": gale deploy takes one topology file'],
    [['status', 'wc', 'x'], 'unexpected argument "x": gale status takes one topology name'],
    [['list', 'x'], 'unexpected argument "x": gale list takes no arguments'],
    [['supervisor', 'x'], 'unexpected argument "x": gale supervisor takes only options'],
  ])('extra arguments %j', (argv, message) => {
    expect(usageError(argv).message).toBe(message);
  });

  it.each(['bad/name', '..', '.', 'a'.repeat(201)])('topology name %j', (name) => {
    for (const command of ['status', 'activate', 'deactivate', 'kill']) {
      expect(usageError([command, name])).toEqual(
        usage(`topology name "${name}" is not a valid topology name: use 1-200 characters from [A-Za-z0-9._-]`, command),
      );
    }
  });
});

describe('flag values', () => {
  it('every number flag of every table rejects values outside its range', () => {
    let checked = 0;
    for (const def of COMMAND_DEFS) {
      for (const flag of def.flags.filter((f): f is NumberFlag => f.kind === 'number')) {
        const bad = [flag.minExclusive === true ? flag.min : flag.min - (flag.integer ? 1 : 0.01), 'abc'];
        if (Number.isFinite(flag.max)) bad.push(flag.max + 1);
        if (flag.integer) bad.push(flag.min + 0.5);
        for (const v of bad) {
          const expected = usage(`--${flag.flag} must be ${rangeText(flag)}, got ${JSON.stringify(String(v))}`, def.name);
          expect({ argv: [def.name, flag.flag, v], error: usageError([...BASE_ARGV[def.name]!, `--${flag.flag}`, String(v)]) })
            .toEqual({ argv: [def.name, flag.flag, v], error: expected });
          checked++;
        }
      }
    }
    expect(checked).toBeGreaterThan(30);
  });

  it.each([
    [['local', 't.ts', '--duration', '0'], '--duration must be a positive number of seconds, got "0"'],
    [['local', 't.ts', '--duration', 'abc'], '--duration must be a positive number of seconds, got "abc"'],
    [['local', 't.ts', '--stats-interval', '0.05'], '--stats-interval must be 0 (off) or 0.1 to 86400 seconds, got "0.05"'],
    [['list', '--connect-timeout', '99'], '--connect-timeout must be an integer from 100 to 600000, got "99"'],
    [['kill', 'wc', '--wait', '-1'], '--wait must be 0 to 86400 seconds, got "-1"'],
    [['rebalance', 'wc', '--workers', '10001'], '--workers must be an integer from 1 to 10000, got "10001"'],
    [['supervisor', '--host', 'h', '--ports', '1', '--slots', '1025'], '--slots must be an integer from 1 to 1024, got "1025"'],
    [['supervisor', '--host', 'h', '--ports', '1', '--heartbeat', '49'], '--heartbeat must be an integer from 50 to 600000, got "49"'],
    [['local', 't.ts', '--log-level', 'loud'], '--log-level must be one of fatal, error, warn, info, debug, trace, silent, got "loud"'],
  ])('pinned wording %j', (argv, message) => {
    expect(usageError(argv).message).toBe(message);
  });

  it.each([
    [['local', 't.ts', '--duration'], '--duration needs a value'],
    [['local', 't.ts', '--set'], '--set needs a value'],
    [['list', '--log-level'], '--log-level needs a value'],
    [['list', '--zk', ''], '--zk needs a value'],
    [['deploy', 'f.ts', '--name', ''], '--name needs a value'],
  ])('a flag without its value %j', (argv, message) => {
    expect(usageError(argv).message).toBe(message);
  });

  it.each([
    [['list', '--zk', 'nohost'], '--zk "nohost" is not a ZooKeeper connect string host:port[,host:port...]'],
    [['list', '--zk', 'h:70000'], '--zk "h:70000" is not a ZooKeeper connect string host:port[,host:port...]'],
    [['list', '--zk-root', 'gale'], '--zk-root "gale" must be an absolute znode path such as /gale'],
    [['list', '--zk-root', '/a/../b'], '--zk-root "/a/../b" must be an absolute znode path such as /gale'],
    [['deploy', 'f.ts', '--name', 'bad/n'], '--name "bad/n" is not a valid topology name: use 1-200 characters from [A-Za-z0-9._-]'],
    [['rebalance', 'wc'], 'nothing to change: give --workers <n> and/or --parallelism <component>=<n>'],
    [['rebalance', 'wc', '--parallelism', 'split'], '--parallelism "split" is not <component>=<executors> with executors >= 1'],
    [['rebalance', 'wc', '--parallelism', 'split=0'], '--parallelism "split=0" is not <component>=<executors> with executors >= 1'],
  ])('checked values %j', (argv, message) => {
    expect(usageError(argv).message).toBe(message);
  });

  it.each([
    [[], 'missing --ports: the worker ports of this supervisor, e.g. --ports 6700-6703'],
    [['--ports', '6700'], 'missing --host: the host name or address other workers reach this machine at, e.g. --host 10.0.0.7'],
    [['--ports', '6700', '--host', 'a b'], 'missing --host: the host name or address other workers reach this machine at, e.g. --host 10.0.0.7'],
    [['--host', 'h', '--ports', 'x'], '--ports "x": "x" is not a port or a range; want a-b (e.g. 6700-6703) or a list a,b,c'],
    [['--host', 'h', '--ports', '6703-6700'], '--ports "6703-6700": range 6703-6700 is backwards; want a-b (e.g. 6700-6703) or a list a,b,c'],
    [['--host', 'h', '--ports', '6700,6700'], '--ports "6700,6700": port 6700 is listed twice; want a-b (e.g. 6700-6703) or a list a,b,c'],
    [['--host', 'h', '--ports', '6700-70000'], '--ports "6700-70000": ports must be 1-65535; want a-b (e.g. 6700-6703) or a list a,b,c'],
    [['--host', 'h', '--ports', '1-2000'], '--ports "1-2000": more than 1024 ports; want a-b (e.g. 6700-6703) or a list a,b,c'],
    [['--host', 'h', '--ports', '6700-6701', '--slots', '3'], '--slots 3 needs 3 ports, but --ports 6700-6701 has 2'],
    [['--host', 'h', '--ports', '6700', '--id', 'bad id'], '--id "bad id" must be 1-200 characters from [A-Za-z0-9._-]'],
    [['--host', 'h', '--ports', '6700', '--cluster-set', 'spreadCooldownMs=1'], 'unknown cluster config key "spreadCooldownMs" (--cluster-set) (did you mean "spreadCoolDownMs"?); known keys: ' +
      'leaderPeriodMs, leaderDebounceMs, supervisorPeriodMs, heartbeatMs, workerTimeoutMs, workerTimeoutGraceMs, zkSessionTimeoutMs, zkConnectTimeoutMs, ' +
      'restartBackoffInitialMs, restartBackoffMaxMs, drainGraceMs, shutdownZkDeadlineMs, deployWaitMs, killMaxDefaultWaitMs, killRemovalTimeoutMs, adminPollMs, ' +
      'errorWriteIntervalMs, spreadCoolDownMs, spreadMaxMovesPerPeriod'],
    [['--host', 'h', '--ports', '6700', '--cluster-set', 'spreadMaxMovesPerPeriod=-1'], 'cluster config key "spreadMaxMovesPerPeriod" (--cluster-set) must be an integer from 0 to 1000, got -1'],
    [['--host', 'h', '--ports', '6700', '--cluster-set', 'leaderPeriodMs'], '--cluster-set "leaderPeriodMs" is not <key>=<value>'],
  ])('gale supervisor %j', (flags, message) => {
    expect(usageError(['supervisor', ...flags])).toEqual(usage(message, 'supervisor'));
  });
});
