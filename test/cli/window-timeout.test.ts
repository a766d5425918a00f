// The window's messageTimeoutMs rule judges the config the run will have: --set can break it and fix it.
import { expectUsageError, fixture, gale } from './gale-process.js';

const RUN = ['--until-idle', '--stats-interval', '0'];

describe('gale local: a window against the effective messageTimeoutMs', () => {
  it('refuses a timeout lowered with --set before anything runs (exit 2)', async () => {
    const r = await gale(['local', fixture('windowed.ts'), '--set', 'messageTimeoutMs=1500', ...RUN]);
    expectUsageError(r, 'windowed bolt "count": messageTimeoutMs (1500, from --set) is shorter than window length + sliding interval (1000 + 1000 = 2000 ms)');
    expect(r.stderr).toContain('(--set messageTimeoutMs=2000)');
    expect(r.stderr).not.toContain('running');
  });

  it('a code timeout that is too short is refused, and --set can raise it', async () => {
    expectUsageError(await gale(['local', fixture('windowed.ts'), '--set', 'timeout=1500', ...RUN]), 'messageTimeoutMs (1500) is shorter than');
    const ok = await gale(['local', fixture('windowed.ts'), '--set', 'timeout=1500', '--set', 'messageTimeoutMs=2000', ...RUN]);
    expect(ok.stderr).toContain('gale: stopped "windowed"');
    expect(ok.code).toBe(0);
  });
});
