// `--help` is derived from the flag tables: every flag of a command, with its default, is listed.
import { COMMAND_DEFS } from '../args.js';
import { commandString } from '../flags/command.js';
import { defaultText } from '../flags/register.js';
import { helpText } from './parse-args-helpers.js';

describe('gale --help', () => {
  it('lists every command with its summary', () => {
    const help = helpText(['--help']);
    expect(help.startsWith('gale <command> [options]\n\nRuns gale stream topologies.\n')).toBe(true);
    for (const def of COMMAND_DEFS) expect(help).toContain(`gale ${commandString(def)}`);
    expect(help).toContain('--log-level');
  });

  it.each(COMMAND_DEFS.map((d) => [d.name, d] as const))('gale %s --help lists every flag of its table', (name, def) => {
    const help = helpText([name, '--help']);
    // Long lines are wrapped; the words survive.
    const flat = help.replace(/\s+/g, ' ');
    expect(help.startsWith(def.usage)).toBe(true);
    for (const flag of def.flags) {
      expect(help).toMatch(new RegExp(`^ +(-${flag.alias ?? '.'}, )?--${flag.flag} `, 'm'));
      expect(flat).toContain(flag.describe.replace(/\s+/g, ' '));
      const dflt = defaultText(flag);
      if (dflt !== undefined) expect(flat).toContain(`[default: ${dflt}]`);
    }
    if (def.positional !== undefined) expect(help).toContain(`  ${def.positional.name}  `);
    for (const [example] of def.examples) expect(help).toContain(example);
    // The epilog's paragraphs are wrapped to the width (test/cli/help-wrap.test.ts): compare the words.
    const words = (t: string): string => t.replace(/\s+/g, ' ').trim();
    expect(words(help).endsWith(words(def.epilog))).toBe(true);
  });

  it('keeps the documented defaults in the help text', () => {
    const sup = helpText(['supervisor', '--help']).replace(/\s+/g, ' ');
    expect(sup).toContain('--zk ZooKeeper connect string host:port[,host:port...] [string] [default: $GALE_ZK or 127.0.0.1:2181]');
    expect(sup).toContain('--connect-timeout Milliseconds to wait for ZooKeeper [default: 5000]');
    expect(sup).toContain('[default: session timeout + 2000]');
    expect(helpText(['local', '--help'])).toContain('--stats-interval  Seconds between per-component rate lines on stderr; 0 = none    [default: 5]');
  });
});
