// A signal in gale's first moments, while the CLI itself loads (before any command could listen):
// `gale local` stops as it does on a later signal (exit 0, summary, --json report), and a command
// that leaves signals to Node still dies of one. The signal is sent from inside the process by a
// module-loader hook (fixtures/early-signal) when the CLI's main module starts loading: no timing.
import path from 'node:path';
import { REPO_ROOT, fixture, gale } from './gale-process.js';

function earlySignal(signal: NodeJS.Signals): NodeJS.ProcessEnv {
  return {
    GALE_TEST_EARLY_SIGNAL: signal,
    NODE_OPTIONS: `--import ${path.join(REPO_ROOT, fixture('early-signal/register.mjs'))}`,
  };
}

describe('a signal before gale has loaded its CLI', () => {
  it.each(['SIGTERM', 'SIGINT'] as const)('%s: gale local starts, stops at once as for a later signal, and reports (exit 0)', async (signal) => {
    const r = await gale(['local', fixture('endless.ts'), '--stats-interval', '0', '--json'], { env: earlySignal(signal) });
    expect({ code: r.code, signal: r.signal }).toEqual({ code: 0, signal: null });
    expect(r.stderr).toContain(`gale: ${signal}: stopping once the topology has started; ${signal === 'SIGINT' ? 'Ctrl-C' : 'send SIGTERM'} again to exit at once`);
    expect(r.stderr).toContain(`gale: stopped "endless" after `);
    expect(JSON.parse(r.stdout)).toMatchObject({ topology: 'endless', stoppedBy: 'signal', signal });
  });

  it('a command that does not handle signals dies of it, as without gale\'s hold', async () => {
    const r = await gale(['list', '--zk', '127.0.0.1:1', '--connect-timeout', '500'], { env: earlySignal('SIGTERM') });
    expect({ code: r.code, signal: r.signal }).toEqual({ code: null, signal: 'SIGTERM' });
  });
});
