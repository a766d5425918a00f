// `--set key=value`: config keys are coerced and range-checked at once, the rest are parameters.
import { ConfigError } from '../../errors.js';
import { parseSetFlags } from '../set-flags.js';
import { CliUsageError } from '../usage-error.js';

function failure(entries: readonly string[], command?: string): { name: string; code: string; message: string; hint?: unknown } {
  try {
    parseSetFlags(entries, command);
  } catch (err) {
    if (!(err instanceof CliUsageError || err instanceof ConfigError)) throw err;
    return { name: err.name, code: err.code, message: err.message, ...(err instanceof CliUsageError ? { hint: err.hint } : {}) };
  }
  throw new Error(`expected --set ${JSON.stringify(entries)} to fail`);
}

describe('--set', () => {
  it('splits config keys from parameters; the first = separates; the last of a key wins', () => {
    const r = parseSetFlags(['maxSpoutPending=5', 'input=a=b.txt', 'input=in.txt', 'ackers=0', 'empty=', ' spaced =x']);
    expect(r.config).toEqual({ maxSpoutPending: 5, ackers: 0 });
    expect({ ...r.params }).toEqual({ input: 'in.txt', empty: '', spaced: 'x' });
  });

  it('treats __proto__ as an ordinary parameter key', () => {
    const r = parseSetFlags(['__proto__=x']);
    expect(Object.keys(r.params)).toEqual(['__proto__']);
    expect(({} as Record<string, unknown>).x).toBeUndefined();
  });

  it.each([
    [['count'], '--set "count" is not key=value'],
    [['=5'], '--set "=5" has an empty key; use key=value'],
  ])('rejects %j', (entries, message) => {
    expect(failure(entries)).toEqual({ name: 'UsageError', code: 'GALE_ERR_BAD_SET', message, hint: 'run "gale local --help" for usage' });
    expect(failure(entries, 'deploy').hint).toBe('run "gale deploy --help" for usage');
  });

  it('range-checks config values before the topology is loaded', () => {
    const e = failure(['maxSpoutPending=0']);
    expect(e.name).toBe('ConfigError');
    expect(e.message).toBe('config key "maxSpoutPending" (from --set) must be an integer >= 1 or null, got 0');
    expect(failure(['ackers=many']).message).toContain('"ackers" must be');
  });
});
