// `gale local` without yargs (../local-argv.ts) against yargs (../args.ts): wherever the fast
// path answers, its args must be exactly yargs'; wherever yargs fails, the fast path must not
// answer (the caller then gets yargs' message). Hand-picked edge cases, then random command lines.
import type { Env } from '../flags/check.js';
import { parseLocalArgv } from '../local-argv.js';
import { CliUsageError } from '../usage-error.js';
import { parse } from './parse-args-helpers.js';

type Outcome = { readonly args: unknown } | { readonly usage: { code: string; message: string; hint: string | undefined } };

function viaYargs(argv: readonly string[], env: Env): Outcome {
  try {
    return { args: parse(argv, env) };
  } catch (err) {
    if (!(err instanceof CliUsageError)) throw err;
    return { usage: { code: err.code, message: err.message, hint: err.hint } };
  }
}

/** Checks one command line; true when the fast path answered. */
function agrees(argv: readonly string[], env: Env = {}): boolean {
  const fast = parseLocalArgv(argv, env);
  if (fast === undefined) return false;
  expect({ argv, outcome: viaYargs(argv, env) }).toEqual({ argv, outcome: { args: fast } });
  return true;
}

/** Plain command lines the fast path must answer. */
const PLAIN: readonly (readonly string[])[] = [
  ['local', 't.ts'],
  ['local', 'topologies/word-count.ts', '--set', 'input=/tmp/in.txt', '--set', 'output=/tmp/out.txt', '--until-idle', '--stats-interval', '0'],
  ['local', '--until-idle', 't.ts'],
  ['local', '--set', 'a=1', 't.ts', '--set', 'a=2', '--set', 'b=x=y', '--set', 'c='],
  ['local', 't.ts', '--set=a=1', '--set=b', '--conf=x.y=2', '-c', 'topology.workers=2', '--conf', 'maxSpoutPending=5'],
  ['local', 't.ts', '--duration', '30', '--json', '--typecheck', '--log-level', 'debug'],
  ['local', 't.ts', '--duration=0.5', '--stats-interval=0.1', '--log-level=silent'],
  ['local', 't.ts', '--stats-interval', '86400', '--duration', '123456789012345.5'],
  ['local', 't.ts', '--metrics-port', '9090'],
  ['local', 't.ts', '--metrics-port', '0'],
  ['local', 't.ts', '--ui'],
  ['local', 't.ts', '--ui-port', '0'],
  ['local', 't.ts', '--ui', '--metrics-port', '9464', '--ui-port', '9464'],
  ['local', 't.ts', '--ui', '--until-idle'],
  ['local', '1e3'],
  ['local', '010'],
  ['local', '0x10'],
  ['local', 'dir with spaces/t.ts', '--set', 'msg=hello world', '--set', ' a = 1 '],
  ['local', 't.yaml', '-c', 'topology.debug=true'],
  ['local', 't.ts', '--set', 'n=5', '--set', '5', '--set', 'true', '--log-level', 'info'],
];

/** Command lines yargs reads otherwise or refuses: the fast path must leave them to it. */
const LEFT_TO_YARGS: readonly (readonly string[])[] = [
  [],
  ['local'],
  ['--log-level', 'info', 'local', 't.ts'],
  ['local', 't.ts', '--help'],
  ['local', 'help'],
  ['local', 't.ts', 'help'],
  ['local', 't.ts', '-h'],
  ['local', 't.ts', '--version'],
  ['local', 't.ts', 'u.ts'],
  ['local', 't.ts', '--'],
  ['local', 't.ts', '--', '--json'],
  ['local', '--', 't.ts'],
  ['local', 't.ts', '--no-json'],
  ['local', 't.ts', '--no-until-idle'],
  ['local', 't.ts', '--untilIdle'],
  ['local', 't.ts', '--statsInterval', '0'],
  ['local', 't.ts', '--json=false'],
  ['local', 't.ts', '--until-idle', 'true'],
  ['local', '--until-idle', 'false', 't.ts'],
  ['local', '--json', 'true'],
  ['local', 't.ts', '--json', '--json'],
  ['local', 't.ts', '--duration', '1', '--duration', '2'],
  ['local', 't.ts', '--duration', '-5'],
  ['local', 't.ts', '--duration', '0'],
  ['local', 't.ts', '--duration', ''],
  ['local', 't.ts', '--duration='],
  ['local', 't.ts', '--duration'],
  ['local', 't.ts', '--duration', '1e3'],
  ['local', 't.ts', '--duration', '0x10'],
  ['local', 't.ts', '--duration', '010'],
  ['local', 't.ts', '--duration', '1_000'],
  ['local', 't.ts', '--duration', '1e400'],
  ['local', 't.ts', '--duration', '.5'],
  ['local', 't.ts', '--duration', '5.'],
  ['local', 't.ts', '--duration', 'abc'],
  ['local', 't.ts', '--duration', '1234567890123456'],
  ['local', 't.ts', '--stats-interval', '0.05'],
  ['local', 't.ts', '--stats-interval', '-1'],
  ['local', 't.ts', '--metrics-port', '70000'],
  ['local', 't.ts', '--metrics-port', '1.5'],
  ['local', 't.ts', '--ui-port', '9000', '--metrics-port', '9001'],
  ['local', 't.ts', '--log-level', 'loud'],
  ['local', 't.ts', '--set'],
  ['local', 't.ts', '--set', '-x=1'],
  ['local', 't.ts', '--set', '--until-idle'],
  ['local', 't.ts', '-c'],
  ['local', 't.ts', '-cx=1'],
  ['local', 't.ts', '-c=x=1'],
  ['local', 't.ts', '-x'],
  ['local', 't.ts', '-'],
  ['local', 't.ts', '--zk', 'h:1'],
  ['local', 't.ts', '--set.a=1'],
  ['local', ''],
  ['locale', 't.ts'],
  ['deploy', 't.ts'],
];

describe('gale local without yargs', () => {
  it.each(PLAIN.map((a) => [a.join(' '), a]))('reads %s as yargs does', (_name, argv) => {
    expect(agrees(argv)).toBe(true);
  });

  it('reads $GALE_LOG_LEVEL as yargs does, valid or not', () => {
    for (const level of ['debug', 'loud', '', ' info ']) {
      expect(agrees(['local', 't.ts'], { GALE_LOG_LEVEL: level })).toBe(true);
      expect(agrees(['local', 't.ts', '--log-level', 'error'], { GALE_LOG_LEVEL: level })).toBe(true);
    }
  });

  it.each(LEFT_TO_YARGS.map((a) => [JSON.stringify(a), a]))('leaves %s to yargs', (_name, argv) => {
    expect(parseLocalArgv(argv, {})).toBeUndefined();
  });

  it('agrees with yargs on 2,000 random command lines of local\'s flags, good and bad', () => {
    // Whole pieces (a flag and a value that fits it) mostly, odd words and bad values sometimes.
    const pieces: readonly (readonly string[])[] = [
      ['t.ts'], ['t.ts'], ['--set', 'a=1'], ['--set', 'b=x=y'], ['--set=k=v'], ['-c', 'x.y=1'], ['--conf', 'maxSpoutPending=5'],
      ['--duration', '2'], ['--duration=0.25'], ['--until-idle'], ['--stats-interval', '0'], ['--stats-interval=1.5'], ['--json'],
      ['--typecheck'], ['--log-level', 'info'], ['--log-level=silent'], ['--metrics-port', '9464'], ['--ui'], ['--ui-port', '0'],
      ['u.yaml'], ['5'], ['-1'], ['1e3'], ['010'], [''], ['true'], ['false'], ['='], ['-'], ['--'], ['--set'], ['--set='],
      ['--duration', '0'], ['--duration', 'x'], ['--no-until-idle'], ['--log-level', 'loud'], ['--metrics-port', '70000'],
      ['--help'], ['--version'], ['--untilIdle'], ['--zk', 'h:1'], ['-h'], ['--ui-port', '9000'],
    ];
    let seed = 42;
    const rand = (n: number): number => {
      // xorshift32: the same command lines every run.
      seed ^= seed << 13; seed ^= seed >>> 17; seed ^= seed << 5;
      return (seed >>> 0) % n;
    };
    let answered = 0;
    for (let k = 0; k < 2000; k++) {
      // Even lines: one file among good pieces; odd lines: anything.
      const good = k % 2 === 0;
      const argv = ['local', ...Array.from({ length: rand(6) }, () => pieces[good ? 2 + rand(17) : rand(pieces.length)]!).flat()];
      if (good) argv.splice(1 + rand(argv.length), 0, 't.ts');
      if (agrees(argv)) answered++;
    }
    // Enough of them are plain for the comparison to mean something.
    expect(answered).toBeGreaterThan(600);
  });
});
