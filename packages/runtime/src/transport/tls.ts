/**
 * TLS for worker-to-worker WebSockets (`wss`), on top of the HMAC handshake (auth.ts): TLS keeps
 * tuples private on the wire and proves the server's certificate; the HMAC proves cluster
 * membership and the worker's identity. With `mutual`, servers also demand a client certificate
 * signed by the cluster CA.
 *
 * Material is loaded once, from PEM files, and checked here (a missing file, a bad PEM or a key
 * that does not match its certificate is one clear error at start, not a failed handshake later).
 */
import { readFileSync } from 'node:fs';
import { createSecureContext } from 'node:tls';
import { ConfigError } from '../errors.js';

/** Where a supervisor's (and its workers') TLS files are. */
export interface TlsFiles {
  /** This host's certificate chain (PEM). */
  readonly certFile: string;
  /** Its private key (PEM). */
  readonly keyFile: string;
  /** CA certificate(s) that sign the cluster's certificates (PEM); default: the system's CAs. */
  readonly caFile?: string;
  /** Servers require a client certificate signed by `caFile`. */
  readonly mutual?: boolean;
}

/** Loaded TLS material, as the transport's servers and clients take it. */
export interface TlsMaterial {
  readonly cert: Buffer;
  readonly key: Buffer;
  readonly ca: Buffer | undefined;
  readonly mutual: boolean;
}

function readPem(file: string, what: string, flag: string): Buffer {
  try {
    return readFileSync(file);
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message;
    throw new ConfigError('GALE_ERR_TLS_FILE', `cannot read the TLS ${what} ${flag} "${file}": ${reason}`, { cause: err });
  }
}

/** Reads and checks the files; throws GALE_ERR_TLS_FILE / GALE_ERR_TLS_MATERIAL naming the file. */
export function loadTls(files: TlsFiles): TlsMaterial {
  if (files.mutual === true && files.caFile === undefined) {
    throw new ConfigError('GALE_ERR_TLS_MATERIAL', 'mutual TLS needs --tls-ca: the CA that signs the client certificates of the other workers');
  }
  const cert = readPem(files.certFile, 'certificate', '--tls-cert');
  const key = readPem(files.keyFile, 'key', '--tls-key');
  const ca = files.caFile === undefined ? undefined : readPem(files.caFile, 'CA certificate', '--tls-ca');
  try {
    // Parses both PEMs and checks that the key belongs to the certificate.
    createSecureContext({ cert, key, ...(ca ? { ca } : {}) });
  } catch (err) {
    const m = (err as Error).message;
    const which = /key values mismatch/i.test(m)
      ? `the key "${files.keyFile}" does not belong to the certificate "${files.certFile}"`
      : `"${files.certFile}", "${files.keyFile}"${files.caFile ? ` or "${files.caFile}"` : ''} is not valid PEM (${m})`;
    throw new ConfigError('GALE_ERR_TLS_MATERIAL', `TLS: ${which}; deploy/make-certs.sh makes a matching set`, { cause: err });
  }
  return { cert, key, ca, mutual: files.mutual === true };
}
