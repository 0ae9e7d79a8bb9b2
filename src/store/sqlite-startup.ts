import { closeSync, constants, fsyncSync, openSync, readdirSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { warnIfNotPrivate } from '../fs/file-permissions.js';
import { createDataDirectory, StorageStartupError, storageCause } from '../fs/storage-faults.js';

export const SQLITE_FILE = 'gatehouse.sqlite';
/** Written and removed at every start to learn whether the directory takes writes; never left behind. */
const WRITE_CHECK_FILE = '.gatehouse-write-check';
/**
 * The database file and the companions SQLite keeps beside it: -wal and -shm in WAL mode, and the rollback -journal
 * that a first start writes while it switches a new, empty file to WAL (another process starting at that moment sees
 * it). Another starting process's write check may be there too.
 */
const DATABASE_FILES = new Set([SQLITE_FILE, `${SQLITE_FILE}-wal`, `${SQLITE_FILE}-shm`, `${SQLITE_FILE}-journal`, WRITE_CHECK_FILE]);

/**
 * A data directory is new when it holds nothing but, at most, the database file and its companions:
 * no master.key and nothing else. That is what a first start leaves if it stops before the schema is written.
 */
function isNewDataDir(dataDir: string): boolean {
  return readdirSync(dataDir).every((name) => DATABASE_FILES.has(name));
}

const sizeOf = (path: string) => statSync(path, { throwIfNoEntry: false })?.size;
/**
 * Checks the SQLite data directory before the database is opened, so that a fault is named for what it is:
 * creates the directory, writes (and fsyncs) a small file in it to find a full or read-only disk, and refuses a
 * 0-byte database file unless the directory is new. SQLite would take an empty file for a brand-new store and fill
 * it with new signing keys and no clients: a lost or truncated database would pass unnoticed. Creates a missing
 * database file 0600 (SQLite gives its -wal and -shm the database file's mode; left to SQLite all three are 0644 under
 * the usual umask), and warns when the directory or an existing database file is open to group or others.
 */
export function checkSqliteDataDir(dataDir: string): void {
  createDataDirectory(dataDir);
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
  createPrivateFile(database);
  warnIfNotPrivate(dataDir, 'the data directory');
  for (const file of [database, `${database}-wal`, `${database}-shm`]) warnIfNotPrivate(file, 'the database file');
}

/** Creates `path` with mode 0600 unless it exists; an existing file keeps its mode (and is warned about). */
function createPrivateFile(path: string): void {
  try {
    closeSync(openSync(path, constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY, 0o600));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return;
    throw new StorageStartupError(`cannot create ${path}: ${storageCause(error)}`, { cause: error });
  }
}
