import { mkdirSync, statSync } from 'node:fs';
import { dirname } from 'node:path';

/** A storage fault at start-up, in words an operator can act on (not "disk I/O error"). */
export class StorageStartupError extends Error {
  override name = 'StorageStartupError';
}

const CAUSES: Record<string, string> = {
  ENOSPC: 'disk full',
  EDQUOT: 'disk quota exceeded',
  EROFS: 'read-only file system',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  ENOTDIR: 'a part of the path is not a directory',
  EEXIST: 'a file of that name is in the way',
  EIO: 'the disk reports an I/O error',
};

/** What went wrong with the file system, by errno; the message of an unknown one. */
export function storageCause(error: unknown): string {
  const code = (error as NodeJS.ErrnoException)?.code;
  return (code && CAUSES[code]) ?? (error instanceof Error ? error.message : String(error));
}

const isDirectory = (path: string) => statSync(path, { throwIfNoEntry: false })?.isDirectory() === true;

/**
 * `mkdir -p`, one level at a time: Node's recursive mkdir reports a read-only parent as ENOENT, which would name the
 * wrong cause; creating each missing level in turn fails with the real one.
 */
function createDirectory(dir: string): void {
  if (isDirectory(dir)) return;
  const parent = dirname(dir);
  if (parent !== dir) createDirectory(parent);
  try {
    mkdirSync(dir, { mode: 0o700 });
  } catch (error) {
    // Another process starting at the same moment may have made it first.
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || !isDirectory(dir)) throw error;
  }
}

/** Creates the data directory (mode 0700) and its parents, or says why it cannot, by cause. */
export function createDataDirectory(dataDir: string): void {
  try {
    createDirectory(dataDir);
  } catch (error) {
    throw new StorageStartupError(`cannot create the data directory ${dataDir}: ${storageCause(error)}`, { cause: error });
  }
}
