import { randomBytes, randomUUID } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { startZk, type ZkServer } from '../../../../../test/harness/zk.js';
import { ZkClient } from '../zk-client.js';
import { CodeBundleError } from '../zk-errors.js';
import { zkPaths } from '../paths.js';
import { CODE_CHUNK_BYTES, CodeStore, sha256Hex } from '../code-store.js';

let zk: ZkServer;
let client: ZkClient;

beforeAll(async () => {
  zk = await startZk({ tickMs: 1000 });
  client = await ZkClient.connect({ connectString: zk.connectString, sessionTimeoutMs: 4000 });
});
afterAll(async () => {
  await client?.close();
  await zk?.stop();
});

async function codeError(p: Promise<unknown>): Promise<CodeBundleError> {
  const err = await p.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(CodeBundleError);
  return err as CodeBundleError;
}

describe('code store on a real ZooKeeper', () => {
  test('a 2.5 MB bundle round-trips in 3 chunks under the znode limit; a corrupted chunk is refused', async () => {
    const paths = zkPaths(`/t-${randomUUID().slice(0, 8)}`);
    const store = new CodeStore(client, paths);
    const bundle = randomBytes(2.5 * 1024 * 1024); // incompressible: gzip does not shrink it
    const sha = sha256Hex(bundle);

    const meta = await store.upload(bundle);
    expect(meta).toMatchObject({ sha256: sha, size: bundle.length, chunks: 3 });
    const children = (await client.getChildren(paths.code(sha))).sort();
    expect(children).toEqual(['0', '1', '2']);
    for (const c of children) {
      const { stat } = await client.getData(paths.codeChunk(sha, Number(c)));
      expect(stat.dataLength).toBeLessThanOrEqual(CODE_CHUNK_BYTES);
    }
    expect(JSON.parse((await client.getData(paths.code(sha))).data.toString())).toEqual(meta);

    const back = await store.download(sha);
    expect(back.equals(bundle)).toBe(true);
    expect(await store.upload(bundle)).toEqual(meta); // idempotent
    expect(await store.list()).toEqual([sha]);

    // Flip one byte in the middle chunk.
    const chunkPath = paths.codeChunk(sha, 1);
    const chunk = Buffer.from((await client.getData(chunkPath)).data);
    chunk[1000] ^= 0xff;
    await client.setData(chunkPath, chunk);
    const err = await codeError(store.download(sha));
    expect(err.code).toBe('GALE_ERR_CODE_HASH_MISMATCH');
    expect(err.retriable).toBe(false);
    expect(err.message).toContain(meta.gzSha256); // expected
    expect(err.message).toContain(sha256Hex(Buffer.concat([
      (await client.getData(paths.codeChunk(sha, 0))).data, chunk, (await client.getData(paths.codeChunk(sha, 2))).data,
    ]))); // actual

    await store.remove(sha);
    expect(await client.exists(paths.code(sha))).toBeNull();
    expect(await store.list()).toEqual([]);
  });

  test('a bundle whose content does not match its name is refused; missing or partial uploads are "not found"', async () => {
    const paths = zkPaths(`/t-${randomUUID().slice(0, 8)}`);
    const store = new CodeStore(client, paths);
    const small = Buffer.from('export default 1;\n'.repeat(1000));
    const meta = await store.upload(small);
    expect(meta.chunks).toBe(1);
    expect((await store.download(meta.sha256)).equals(small)).toBe(true);

    // A consistent but wrong bundle stored under this name (gzip and its hash both re-made).
    const evil = gzipSync(Buffer.from('process.exit(1)'));
    await client.setData(paths.codeChunk(meta.sha256, 0), evil);
    await client.setData(paths.code(meta.sha256), Buffer.from(JSON.stringify({ ...meta, gzSize: evil.length, gzSha256: sha256Hex(evil) })));
    const err = await codeError(store.download(meta.sha256));
    expect(err.code).toBe('GALE_ERR_CODE_HASH_MISMATCH');
    expect(err.message).toBe(`code bundle failed verification: expected sha256 ${meta.sha256}, got ${sha256Hex(Buffer.from('process.exit(1)'))}`);

    const unknown = sha256Hex(Buffer.from('nothing'));
    const nf = await codeError(store.download(unknown));
    expect(nf.code).toBe('GALE_ERR_CODE_NOT_FOUND');
    expect(nf.retriable).toBe(true);
    await client.mkdirp(paths.code(unknown)); // an upload that has only begun
    expect((await codeError(store.download(unknown))).code).toBe('GALE_ERR_CODE_NOT_FOUND');
  });
});
