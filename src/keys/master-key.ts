import { hkdfSync, randomBytes } from 'node:crypto';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { warnIfNotPrivate } from '../fs/file-permissions.js';
import { createDataDirectory, StorageStartupError, storageCause } from '../fs/storage-faults.js';

const MASTER_KEY_FILE = 'master.key';

/** Something sealed at rest does not open with this process's master key: it was sealed with another one. */
export class MasterKeyMismatchError extends Error {
  override name = 'MasterKeyMismatchError';

  /** `what` names the value, e.g. "the active ES256 signing key …". */
  constructor(what: string) {
    super(
      `${what} does not open with this master key: GATEHOUSE_SECRET (or, when it is unset, master.key in the data ` +
        'directory) is not the one the keys were sealed with. Start with the original GATEHOUSE_SECRET or restore the ' +
        'original master.key; every instance on one database needs the same one. To change the secret, start once with ' +
        'the original as GATEHOUSE_PREVIOUS_SECRET and the new one as GATEHOUSE_SECRET',
    );
  }
}

/** The master key a GATEHOUSE_SECRET (or GATEHOUSE_PREVIOUS_SECRET) stands for. */
export const masterKeyFromSecret = (secret: string): Buffer =>
  Buffer.from(hkdfSync('sha256', secret, 'gatehouse', 'signing-key-encryption/v1', 32));

/**
 * The 256-bit key that seals signing keys and page keys at rest. From GATEHOUSE_SECRET through HKDF-SHA256 when set; otherwise a
 * random key generated once into the data directory (mode 0600). Instances sharing one PostgreSQL must share
 * GATEHOUSE_SECRET.
 */
export function loadMasterKey(masterSecret: string | undefined, dataDir: string): Buffer {
  if (masterSecret) return masterKeyFromSecret(masterSecret);
  createDataDirectory(dataDir);
  const path = join(dataDir, MASTER_KEY_FILE);
  try {
    // `wx` fails when the file exists, so two processes starting together agree on the first one written.
    writeFileSync(path, `${randomBytes(32).toString('base64url')}\n`, { flag: 'wx', mode: 0o600 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
      // `wx` may have created the file before the write failed (a full disk): an empty key must not be left behind.
      rmSync(path, { force: true });
      throw new StorageStartupError(`cannot write ${path}: ${storageCause(error)}`, { cause: error });
    }
  }
  // Whoever reads master.key opens every signing key in the store: it and its directory must be the owner's alone.
  warnIfNotPrivate(dataDir, 'the data directory');
  warnIfNotPrivate(path, 'the master key file');
  const key = Buffer.from(readFileSync(path, 'utf8').trim(), 'base64url');
  if (key.length !== 32) throw new Error(`${path} does not hold a 256-bit key; restore it or set GATEHOUSE_SECRET`);
  return key;
}
