// `gale local --ui [--ui-port <p>]` and its one HTTP server shared with --metrics-port.
import { DEFAULT_UI_PORT } from '../flags/local-flags.js';
import { parseAs, usageError } from './parse-args-helpers.js';

describe('gale local --ui', () => {
  it('is off unless asked', () => {
    expect(parseAs('local', ['local', 't.ts']).ui).toBeUndefined();
    expect(parseAs('local', ['local', 't.ts', '--metrics-port', '9100']).ui).toBeUndefined();
  });

  it('serves on Storm UI port 8080 by default, or on --ui-port (0 = any free port), which implies --ui', () => {
    expect(DEFAULT_UI_PORT).toBe(8080);
    expect(parseAs('local', ['local', 't.ts', '--ui']).ui).toEqual({ port: 8080, portFlag: 'ui-port' });
    expect(parseAs('local', ['local', 't.ts', '--ui', '--ui-port', '0']).ui).toEqual({ port: 0, portFlag: 'ui-port' });
    expect(parseAs('local', ['local', 't.ts', '--ui-port', '9000']).ui).toEqual({ port: 9000, portFlag: 'ui-port' });
  });

  it('shares the --metrics-port server: one HTTP server in local mode', () => {
    const a = parseAs('local', ['local', 't.ts', '--ui', '--metrics-port', '9100']);
    expect(a.ui).toEqual({ port: 9100, portFlag: 'metrics-port' });
    expect(a.metricsPort).toBe(9100);
    expect(parseAs('local', ['local', 't.ts', '--ui-port', '9100', '--metrics-port', '9100']).ui).toEqual({ port: 9100, portFlag: 'metrics-port' });
    // --metrics-port 0 is "no metrics server": the UI keeps its own port.
    expect(parseAs('local', ['local', 't.ts', '--ui', '--metrics-port', '0']).ui).toEqual({ port: 8080, portFlag: 'ui-port' });
  });

  it('refuses two different ports and a bad port', () => {
    const two = usageError(['local', 't.ts', '--ui-port', '9000', '--metrics-port', '9100']);
    expect(two.code).toBe('GALE_ERR_USAGE');
    expect(two.message).toContain('--ui-port 9000 and --metrics-port 9100 differ');
    expect(two.message).toContain('give only one of them');
    expect(usageError(['local', 't.ts', '--ui-port', '70000']).message).toContain('--ui-port');
    expect(usageError(['local', 't.ts', '--ui-port', 'x']).message).toContain('--ui-port');
  });
});
