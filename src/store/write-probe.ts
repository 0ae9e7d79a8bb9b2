import { randomUUID } from 'node:crypto';
import { PLATFORM_DEFINITIONS } from '../ports/tenants.js';
import { type CheckResult, type Store, timedCheck } from './database.js';

/** Longest a readiness probe waits for its write, so that a stuck store makes it fail rather than hang. */
export const WRITE_PROBE_TIMEOUT_MS = 2000;

/**
 * Proves the store can commit a write now: one transaction inserts a row of its own and deletes it again, so it
 * leaves nothing behind yet goes through the commit (SQLite writes the pages to its WAL, PostgreSQL to its WAL),
 * which is what a full or read-only disk or a lost database refuses. The row lives in `login_throttle` under a key
 * no sign-up counter can have (those are `signup:…`); a table of its own would need a migration for one
 * throw-away row. It is no tenant's (filed under the platform's id, which no tenant can have).
 */
export function probeWrite(store: Store, timeoutMs = WRITE_PROBE_TIMEOUT_MS): Promise<CheckResult> {
  const key = `write-probe:${randomUUID()}`;
  const write = store.writeTransaction(async (db) => {
    await db.insertInto('login_throttle').values({ tenant_id: PLATFORM_DEFINITIONS, key, failures: 0, window_start: 0 }).execute();
    await db.deleteFrom('login_throttle').where('key', '=', key).execute();
  });
  return timedCheck(write, timeoutMs);
}
