import { statSync } from 'node:fs';

/** Read, write or search for the group or for others: a secret file, or its directory, must have none (ASVS V14.3). */
const GROUP_OR_OTHERS = 0o077;
/** Each path is named once per process, although SQLite and master.key both check the data directory. */
const warned = new Set<string>();

const writeWarning = (message: string) => process.stderr.write(`${JSON.stringify({ level: 40, msg: message })}\n`);

/**
 * Warns (on stderr, in the log's JSON form, and does not refuse: the operator may have a reason) when `path` exists
 * and is open to its group or to others. Only the path and its mode are named, never what the file holds.
 */
export function warnIfNotPrivate(path: string, what: string, warn: (message: string) => void = writeWarning): void {
  const mode = statSync(path, { throwIfNoEntry: false })?.mode;
  if (mode === undefined || (mode & GROUP_OR_OTHERS) === 0 || warned.has(path)) return;
  warned.add(path);
  const octal = (mode & 0o777).toString(8).padStart(4, '0');
  warn(
    `${what} ${path} has mode ${octal}, open to its group or to others: run chmod ${(mode & 0o700).toString(8).padStart(4, '0')} ${path}`,
  );
}
