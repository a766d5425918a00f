import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';

/**
 * A supervisor's on-disk cache of topology bundles: `<dir>/code/<sha256>/topology.mjs`. A bundle
 * is fetched once (the fetcher verifies its sha256) and written through a temp file renamed into
 * place, so a worker never imports a half-written file and a crash mid-write leaves no
 * `topology.mjs` behind.
 */
export class CodeCache {
  /**
   * @param dir the supervisor's working directory
   * @param fetch downloads (and verifies) the bundle with this sha256, e.g. `CodeStore.download`
   */
  constructor(private readonly dir: string, private readonly fetch: (sha256: string) => Promise<Buffer>) {}

  /** Path of the cached bundle, downloading it first if it is not on disk yet. */
  async ensure(sha256: string): Promise<string> {
    const dir = path.join(this.dir, 'code', sha256);
    const file = path.join(dir, 'topology.mjs');
    if (existsSync(file)) return file;
    const code = await this.fetch(sha256);
    await mkdir(dir, { recursive: true });
    const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    try {
      await writeFile(tmp, code);
      await rename(tmp, file);
    } catch (err) {
      // A partial temp file (e.g. ENOSPC) would only eat the space the next attempt needs.
      await rm(tmp, { force: true }).catch(() => {});
      throw err;
    }
    return file;
  }
}
