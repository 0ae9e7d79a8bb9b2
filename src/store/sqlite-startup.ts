import { closeSync, fsyncSync, mkdirSync, openSync, readdirSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';

export const SQLITE_FILE = 'gatehouse.sqlite';
/** Written and removed at every start to learn whether the directory takes writes; never left behind. */
const WRITE_CHECK_FILE = '.gatehouse-write-check';
/** The database file and the companions SQLite keeps beside it in WAL mode. */
const DATABASE_FILES = new Set([SQLITE_FILE, `${SQLITE_FILE}-wal`, `${SQLITE_FILE}-shm`, WRITE_CHECK_FILE]);

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

/**
 * A data directory is new when it holds nothing but, at most, the database file and its -wal/-shm companions:
 * no master.key and nothing else. That is what a first start leaves if it stops before the schema is written.
 */
function isNewDataDir(dataDir: string): boolean {
  return readdirSync(dataDir).every((name) => DATABASE_FILES.has(name));
}

const sizeOf = (path: string) => statSync(path, { throwIfNoEntry: false })?.size;
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

/**
 * Checks the SQLite data directory before the database is opened, so that a fault is named for what it is:
 * creates the directory, writes (and fsyncs) a small file in it to find a full or read-only disk, and refuses a
 * 0-byte database file unless the directory is new. SQLite would take an empty file for a brand-new store and fill
 * it with new signing keys and no clients: a lost or truncated database would pass unnoticed.
 */
export function checkSqliteDataDir(dataDir: string): void {
  try {
    createDirectory(dataDir);
  } catch (error) {
    throw new StorageStartupError(`cannot create the data directory ${dataDir}: ${storageCause(error)}`, { cause: error });
  }
  const check = join(dataDir, WRITE_CHECK_FILE);
  let fd: number | undefined;
  try {
    fd = openSync(check, 'w', 0o600);
    writeSync(fd, Buffer.alloc(4096));
    fsyncSync(fd);
  } catch (error) {
    throw new StorageStartupError(`cannot write to the data directory ${dataDir}: ${storageCause(error)}`, { cause: error });
  } finally {
    if (fd !== undefined) closeSync(fd);
    try {
      unlinkSync(check);
    } catch {
      // Never created (the open failed); nothing to remove.
    }
  }
  const database = join(dataDir, SQLITE_FILE);
  // A 0-byte file with frames in its WAL is still a database: SQLite reads the pages from the WAL.
  if (sizeOf(database) === 0 && !sizeOf(`${database}-wal`) && !isNewDataDir(dataDir)) {
    throw new StorageStartupError(
      `${database} is empty (0 bytes), but the data directory is not new (it holds master.key or other files): the ` +
        'database was lost or truncated. Restore it from a backup; to start over with an empty store instead, delete ' +
        'the empty file',
    );
  }
}
