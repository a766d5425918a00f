// A cluster whose workers talk wss (mutual TLS, certificates from deploy/make-certs.sh): word
// count over two workers on two supervisors gives gale local's output; tuples of more than 1 MiB
// cross between the workers intact; a worker port refuses plaintext; bad TLS flags stop a supervisor at start with one line.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import WebSocket from 'ws';
import { gale, REPO_ROOT } from '../cli/gale-process.js';
import { TestCluster, component, readFileLines, until, type StatusJson } from './cluster-harness.js';
import { payload } from './fixtures/big-tuples.js';

interface DeployJson {
  workers: { host: string; port: number; supervisor: string }[];
}

describe('a cluster with TLS between workers', () => {
  let cluster: TestCluster;
  let tlsFlags: string[];

  beforeAll(async () => {
    cluster = await TestCluster.start({ supervisors: 0 });
    const certs = path.join(cluster.tmp, 'certs');
    execFileSync('bash', [path.join(REPO_ROOT, 'deploy', 'make-certs.sh'), certs, '127.0.0.1'], { stdio: 'ignore' });
    tlsFlags = ['--tls-cert', path.join(certs, '127.0.0.1.pem'), '--tls-key', path.join(certs, '127.0.0.1-key.pem'), '--tls-ca', path.join(certs, 'ca.pem'), '--tls-mutual'];
    await Promise.all(['sup-a', 'sup-b'].map((id) => cluster.startSupervisor(id, 1, tlsFlags)));
  }, 60_000);

  afterAll(async () => {
    await cluster?.close();
  });

  it('runs word count across two workers over wss, and a worker port refuses plaintext', async () => {
    const input = path.join(cluster.tmp, 'in.txt');
    const out = path.join(cluster.tmp, 'cluster.tsv');
    const localOut = path.join(cluster.tmp, 'local.tsv');
    const lineCount = 500;
    writeFileSync(input, Array.from({ length: lineCount }, (_, i) => `tls line ${i % 17} over wss ${i % 5}`).join('\n') + '\n');
    // linesPerTuple=1: the classic shape, a spout tuple per line (what "every line acked" counts);
    // the local run below uses the default batched shape and must write the same file.
    const deployed = await cluster.gale(['deploy', 'topologies/word-count.ts', '--name', 'wc-tls', '--workers', '2',
      '--set', `input=${input}`, '--set', `output=${out}`, '--set', 'linesPerTuple=1', '--json']);
    expect(deployed.code).toBe(0);
    const report = JSON.parse(deployed.stdout) as DeployJson;
    expect(new Set(report.workers.map((w) => w.supervisor)).size).toBe(2);

    await until('every line acked', async () => {
      const s = await cluster.json<StatusJson>(['status', 'wc-tls']);
      const spout = component(s, 'lines');
      return spout.acked === lineCount && spout.pending === 0 ? s : undefined;
    }, 60_000, 200);

    // A plaintext WebSocket to a worker port never gets an HTTP answer: the TLS server drops it.
    const w = report.workers[0]!;
    const plain = await new Promise<string>((resolve) => {
      const ws = new WebSocket(`ws://127.0.0.1:${w.port}/`, { handshakeTimeout: 5000 });
      ws.on('open', () => resolve('open'));
      ws.on('unexpected-response', (_req, res) => resolve(`http ${res.statusCode}`));
      ws.on('error', (err) => resolve(`error: ${err.message}`));
    });
    expect(plain).toMatch(/^error: /);

    const killed = await cluster.gale(['kill', 'wc-tls', '--wait', '0']);
    expect(killed.code).toBe(0);
    const local = await gale(['local', 'topologies/word-count.ts', '--set', `input=${input}`, '--set', `output=${localOut}`, '--until-idle', '--stats-interval', '0']);
    expect(local.code).toBe(0);
    expect(readFileSync(out, 'utf8')).toBe(readFileSync(localOut, 'utf8'));
  }, 120_000);

  it('carries tuples of more than 1 MiB between workers over wss intact', async () => {
    const dir = path.join(cluster.tmp, 'big');
    mkdirSync(dir);
    const count = 4;
    const size = 1024 * 1024 + 17;
    const deployed = await cluster.gale(['deploy', 'test/cluster/fixtures/big-tuples.ts', '--name', 'big-tls', '--json',
      '--set', `dir=${dir}`, '--set', `count=${count}`, '--set', `size=${size}`]);
    expect(deployed.code).toBe(0);
    expect(new Set((JSON.parse(deployed.stdout) as DeployJson).workers.map((w) => w.supervisor)).size).toBe(2);
    // allGrouping to 2 check tasks: each id is received by both, i.e. 2 * count lines, and acked once.
    await until('every big tuple received by both check tasks and acked', async () =>
      readFileLines(path.join(dir, 'got.txt')).length === 2 * count && readFileLines(path.join(dir, 'acked.txt')).length === count, 90_000, 200);
    const spoutPid = Number(readFileSync(path.join(dir, 'spout-pid.txt'), 'utf8'));
    const got = readFileLines(path.join(dir, 'got.txt')).map((l) => JSON.parse(l) as { id: number; task: number; pid: number; bytes: number; bytesSha: string; text: number; textSha: string });
    const sha = (v: Uint8Array | string): string => createHash('sha256').update(v).digest('hex');
    for (const g of got) {
      const want = payload(g.id, size);
      expect({ id: g.id, bytes: g.bytes, bytesSha: g.bytesSha, text: g.text, textSha: g.textSha })
        .toEqual({ id: g.id, bytes: size, bytesSha: sha(want), text: 2 * size, textSha: sha(want.toString('hex')) });
    }
    expect(got.map((g) => `${g.id}@${g.task}`).sort()).toEqual([...new Set(got.map((g) => `${g.id}@${g.task}`))].sort()); // no duplicates
    // Some arrived in the other worker's process: they crossed the wire (one frame per tuple of ~3 MiB).
    const crossed = got.filter((g) => g.pid !== spoutPid);
    expect([...new Set(crossed.map((g) => g.id))].sort()).toEqual(Array.from({ length: count }, (_, i) => i + 1));
    expect((await cluster.gale(['kill', 'big-tls', '--wait', '0'])).code).toBe(0);
  }, 120_000);

  it('a supervisor with a key of another certificate stops at start with one line (exit 2)', async () => {
    const certs = path.join(cluster.tmp, 'certs');
    const r = await cluster.gale(['supervisor', '--host', '127.0.0.1', '--ports', '1', '--tls-cert', path.join(certs, '127.0.0.1.pem'), '--tls-key', path.join(certs, 'ca-key.pem')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`gale: TLS: the key "${path.join(certs, 'ca-key.pem')}" does not belong to the certificate "${path.join(certs, '127.0.0.1.pem')}"; deploy/make-certs.sh makes a matching set\n`);
  });

  it('refuses --tls-mutual without --tls-ca, and half a key pair', async () => {
    const half = await cluster.gale(['supervisor', '--host', '127.0.0.1', '--ports', '1', '--tls-cert', 'x.pem']);
    expect(half.code).toBe(2);
    expect(half.stderr).toContain('gale: TLS needs both --tls-cert and --tls-key (only --tls-cert given)');
    const mutual = await cluster.gale(['supervisor', '--host', '127.0.0.1', '--ports', '1', '--tls-cert', 'x.pem', '--tls-key', 'y.pem', '--tls-mutual']);
    expect(mutual.code).toBe(2);
    expect(mutual.stderr).toContain("gale: --tls-mutual needs --tls-ca: the CA that signs the other workers' client certificates");
  });
});
