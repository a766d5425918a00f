// deploy/cluster.sh remembers what `start` was given: `status` and `stop` without flags act on
// that cluster (its --dir and --zk-port), not on the defaults.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { REPO_ROOT } from '../cli/gale-process.js';
import { freePort } from '../harness/ports.js';
import { fourLetterWord } from '../harness/zk.js';

const SCRIPT = path.join(REPO_ROOT, 'deploy', 'cluster.sh');

interface ScriptResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

function clusterSh(args: readonly string[], env: NodeJS.ProcessEnv): Promise<ScriptResult> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [SCRIPT, ...args], { cwd: REPO_ROOT, env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('deploy/cluster.sh', () => {
  let tmp: string;

  beforeAll(() => {
    tmp = mkdtempSync(path.join(os.tmpdir(), 'gale-cluster-sh-'));
  });

  afterAll(() => {
    rmSync(tmp, { recursive: true, force: true });
  });

  it('status and stop without flags use the --dir and --zk-port given to start', async () => {
    const [zkPort, basePort] = [await freePort(), await freePort()];
    const dir = path.join(tmp, 'cluster');
    // TMPDIR: where start records the dir it used, kept apart from a developer's own cluster.
    const env = { TMPDIR: tmp, GALE_SLOTS: '1', GALE_BASE_PORT: String(basePort), STOP_TIMEOUT_S: '10', GALE_HTTP_PORT: '0' };
    const explicit = ['--dir', dir, '--zk-port', String(zkPort)];
    try {
      const started = await clusterSh(['start', '--supervisors', '1', ...explicit], env);
      expect({ code: started.code, stdout: started.stdout }).toEqual({ code: 0, stdout: `127.0.0.1:${zkPort}\n` });
      expect(readFileSync(path.join(dir, 'cluster.conf'), 'utf8')).toBe(`zk_port=${zkPort}\n`);

      const status = await clusterSh(['status'], env);
      expect(status.code).toBe(0);
      expect(status.stdout).toMatch(new RegExp(`^dir: ${dir}\nzookeeper: running \\(pid \\d+\\) on 127\\.0\\.0\\.1:${zkPort}\nsup-1: running \\(pid \\d+\\)\n$`));

      const stopped = await clusterSh(['stop'], env);
      expect(stopped.code).toBe(0);
      expect(stopped.stderr).toMatch(/sup-1 stopped/);
      expect(stopped.stderr).toMatch(/zookeeper\.sh: stopped/);
      expect(await fourLetterWord(zkPort, 'ruok', 500)).toBe('');

      const after = await clusterSh(['status'], env);
      expect({ code: after.code, stdout: after.stdout })
        .toEqual({ code: 3, stdout: `dir: ${dir}\nzookeeper: not running\nsupervisors: none started in ${dir}\n` });
    } finally {
      await clusterSh(['stop', ...explicit], env);
    }
  });
});
