/**
 * Topology code in ZooKeeper: the esbuild bundle is gzipped and split into chunks under the znode
 * size limit, at `code/<sha256>/<index>`; `code/<sha256>` holds the metadata. The name is the sha256
 * of the raw bundle, so a download is verified end to end: a corrupt or mixed-up chunk is caught
 * (GALE_ERR_CODE_HASH_MISMATCH) before anything could run it.
 *
 * Upload order makes partial uploads invisible: the metadata znode is created empty first (the
 * chunks need a parent), then the chunks, then the metadata is written; a download that finds no
 * metadata yet reports GALE_ERR_CODE_NOT_FOUND (retriable).
 */
import { createHash } from 'node:crypto';
import { promisify } from 'node:util';
import { gunzip as gunzipCb, gzip as gzipCb } from 'node:zlib';
import type { ZkPaths } from './paths.js';
import type { ZkClient } from './zk-client.js';
import { CodeBundleError, ZkError } from './zk-errors.js';

const gzip = promisify(gzipCb);
const gunzip = promisify(gunzipCb);

/** Chunk size: well under ZooKeeper's default jute.maxbuffer (1 MiB - 1 for the whole packet). */
export const CODE_CHUNK_BYTES = 900 * 1024;

export interface CodeMeta {
  /** sha256 (hex) of the raw bundle: the code id. */
  sha256: string;
  /** Raw bundle size in bytes. */
  size: number;
  chunks: number;
  /** Gzipped size and sha256, checked before gunzip so a bad chunk is named precisely. */
  gzSize: number;
  gzSha256: string;
}

export function sha256Hex(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

function isCode(err: unknown, code: string): boolean {
  return err instanceof ZkError && err.code === code;
}

function parseMeta(sha256: string, raw: Buffer): CodeMeta | undefined {
  if (raw.length === 0) return undefined; // upload in progress (or abandoned)
  let m: Partial<CodeMeta>;
  try {
    m = JSON.parse(raw.toString('utf8')) as Partial<CodeMeta>;
  } catch (cause) {
    throw new CodeBundleError('GALE_ERR_CODE_CORRUPT', `code bundle ${sha256}: metadata is not JSON`, { cause });
  }
  const ok = m.sha256 === sha256 && Number.isSafeInteger(m.size) && Number.isSafeInteger(m.chunks) && m.chunks! > 0
    && Number.isSafeInteger(m.gzSize) && typeof m.gzSha256 === 'string';
  if (!ok) throw new CodeBundleError('GALE_ERR_CODE_CORRUPT', `code bundle ${sha256}: bad metadata ${raw.toString('utf8').slice(0, 200)}`);
  return m as CodeMeta;
}

export class CodeStore {
  constructor(private readonly client: ZkClient, private readonly paths: ZkPaths) {}

  /** Uploads a bundle (idempotent: an already complete upload is left as is). Returns its metadata. */
  async upload(bundle: Buffer): Promise<CodeMeta> {
    const sha256 = sha256Hex(bundle);
    const metaPath = this.paths.code(sha256);
    const existing = await this.meta(sha256);
    if (existing) return existing;

    const gz = await gzip(bundle, { level: 9 });
    const chunks = Math.max(1, Math.ceil(gz.length / CODE_CHUNK_BYTES));
    const meta: CodeMeta = { sha256, size: bundle.length, chunks, gzSize: gz.length, gzSha256: sha256Hex(gz) };

    await this.client.mkdirp(this.paths.codeDir());
    try {
      await this.client.create(metaPath);
    } catch (err) {
      if (!isCode(err, 'GALE_ERR_ZK_NODE_EXISTS')) throw err; // an earlier, interrupted upload: overwrite
    }
    for (let i = 0; i < chunks; i++) {
      const chunk = gz.subarray(i * CODE_CHUNK_BYTES, (i + 1) * CODE_CHUNK_BYTES);
      const chunkPath = this.paths.codeChunk(sha256, i);
      try {
        await this.client.create(chunkPath, chunk);
      } catch (err) {
        if (!isCode(err, 'GALE_ERR_ZK_NODE_EXISTS')) throw err;
        await this.client.setData(chunkPath, chunk);
      }
    }
    await this.client.setData(metaPath, Buffer.from(JSON.stringify(meta)));
    return meta;
  }

  /** Metadata of a complete upload, or undefined. */
  async meta(sha256: string): Promise<CodeMeta | undefined> {
    try {
      const { data } = await this.client.getData(this.paths.code(sha256));
      return parseMeta(sha256, data);
    } catch (err) {
      if (isCode(err, 'GALE_ERR_ZK_NO_NODE')) return undefined;
      throw err;
    }
  }

  /**
   * Downloads, reassembles, gunzips and verifies a bundle. Throws {@link CodeBundleError}:
   * GALE_ERR_CODE_NOT_FOUND (retriable; not uploaded, or upload in progress),
   * GALE_ERR_CODE_HASH_MISMATCH (naming expected and actual sha256), GALE_ERR_CODE_CORRUPT.
   */
  async download(sha256: string): Promise<Buffer> {
    const meta = await this.meta(sha256);
    if (!meta) {
      throw new CodeBundleError('GALE_ERR_CODE_NOT_FOUND', `code bundle ${sha256} is not in ZooKeeper (or its upload is not complete)`, { retriable: true });
    }
    let parts: Buffer[];
    try {
      parts = await Promise.all(Array.from({ length: meta.chunks }, (_, i) =>
        this.client.getData(this.paths.codeChunk(sha256, i)).then(r => r.data)));
    } catch (err) {
      if (isCode(err, 'GALE_ERR_ZK_NO_NODE')) {
        throw new CodeBundleError('GALE_ERR_CODE_CORRUPT', `code bundle ${sha256}: a chunk is missing (${(err as ZkError).path})`, { cause: err });
      }
      throw err;
    }
    const gz = Buffer.concat(parts);
    const gzActual = sha256Hex(gz);
    if (gzActual !== meta.gzSha256) {
      throw new CodeBundleError('GALE_ERR_CODE_HASH_MISMATCH',
        `code bundle ${sha256} failed verification: its gzipped chunks (${gz.length} bytes) hash to sha256 ${gzActual}, expected ${meta.gzSha256}`);
    }
    let bundle: Buffer;
    try {
      bundle = await gunzip(gz);
    } catch (cause) {
      throw new CodeBundleError('GALE_ERR_CODE_CORRUPT', `code bundle ${sha256}: gunzip failed`, { cause });
    }
    const actual = sha256Hex(bundle);
    if (actual !== sha256) {
      throw new CodeBundleError('GALE_ERR_CODE_HASH_MISMATCH', `code bundle failed verification: expected sha256 ${sha256}, got ${actual}`);
    }
    return bundle;
  }

  /** Deletes a bundle and its chunks (missing is fine). */
  async remove(sha256: string): Promise<void> {
    await this.client.removeRecursive(this.paths.code(sha256));
  }

  /** Ids of complete or in-progress uploads. */
  async list(): Promise<string[]> {
    try {
      return (await this.client.getChildren(this.paths.codeDir())).filter(c => /^[0-9a-f]{64}$/.test(c));
    } catch (err) {
      if (isCode(err, 'GALE_ERR_ZK_NO_NODE')) return [];
      throw err;
    }
  }
}
