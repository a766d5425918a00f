// What Ctrl-C does to the exit status of `gale local`, as a terminal sends it: SIGINT to the whole
// foreground process group. gale drains and exits 0; started through `npx gale`, npm waits for
// gale's drain and then dies of the SIGINT itself (a shell shows 130), as documented in docs/cli.md.
import { spawn } from 'node:child_process';
import { REPO_ROOT, fixture } from './gale-process.js';

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs `cmd args` as the leader of its own process group, Ctrl-Cs the group once gale runs. */
function ctrlC(cmd: string, args: readonly string[], timeoutMs = 30_000): Promise<Exit> {
  const env: NodeJS.ProcessEnv = { ...process.env, npm_config_update_notifier: 'false' };
  delete env.GALE_LOG_LEVEL;
  delete env.JEST_WORKER_ID;
  env.GALE_TOPOLOGY_CACHE = 'off'; // not about the cache: keep the user's ~/.cache clean
  const child = spawn(cmd, args, { cwd: REPO_ROOT, env, detached: true });
  let stdout = '';
  let stderr = '';
  let sent = false;
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => {
    stderr += d;
    if (!sent && stderr.includes('Ctrl-C to stop')) {
      sent = true;
      process.kill(-child.pid!, 'SIGINT');
    }
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // already gone
      }
      reject(new Error(`${cmd} did not exit within ${timeoutMs} ms\nstderr: ${stderr}`));
    }, timeoutMs);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

describe('Ctrl-C (SIGINT to the process group) during gale local', () => {
  const args = ['local', fixture('endless.ts'), '--stats-interval', '0', '--json'];

  it('gale drains, prints its report and exits 0', async () => {
    const r = await ctrlC(process.execPath, ['packages/runtime/bin/gale.js', ...args]);
    expect({ code: r.code, signal: r.signal }).toEqual({ code: 0, signal: null });
    expect(r.stderr).toContain('gale: stopped "endless"');
    expect(JSON.parse(r.stdout)).toMatchObject({ stoppedBy: 'signal', signal: 'SIGINT' });
  });

  it('npx gale: gale drains and reports, then npm dies of the SIGINT (exit status 130 in a shell)', async () => {
    const r = await ctrlC('npx', ['gale', ...args]);
    expect({ code: r.code, signal: r.signal }).toEqual({ code: null, signal: 'SIGINT' });
    // npm waited for gale: the drain completed and the report was written.
    expect(r.stderr).toContain('gale: stopped "endless"');
    expect(JSON.parse(r.stdout)).toMatchObject({ stoppedBy: 'signal', signal: 'SIGINT' });
  });
});
