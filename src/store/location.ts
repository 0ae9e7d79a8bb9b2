import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../config.js';
import { SQLITE_FILE } from './sqlite-startup.js';

/** host:port of a PostgreSQL URL, for messages: never the user or the password. */
export function postgresAddress(databaseUrl: string): string {
  try {
    const url = new URL(databaseUrl);
    return `${url.hostname || 'localhost'}:${url.port || '5432'}`;
  } catch {
    return 'the configured address';
  }
}

/**
 * Which store the settings name, for a person to check: the SQLite file's absolute path (marked "new" when there is
 * none yet, so a command started in the wrong directory does not go unnoticed), or PostgreSQL's host, port and
 * database, never the user or the password in DATABASE_URL.
 */
export function describeStore(config: Pick<Config, 'dataDir' | 'databaseUrl'>): string {
  if (config.databaseUrl === undefined) {
    const file = join(config.dataDir, SQLITE_FILE);
    return `sqlite ${file}${existsSync(file) ? '' : ' (new)'}`;
  }
  let database = '';
  try {
    database = decodeURIComponent(new URL(config.databaseUrl).pathname.slice(1));
  } catch {
    // postgresAddress says the URL is unreadable
  }
  return `postgresql ${postgresAddress(config.databaseUrl)}/${database || '(default database)'}`;
}
