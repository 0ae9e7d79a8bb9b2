import { randomUUID } from 'node:crypto';
import type { Store } from './database.js';

/** Longest a readiness probe waits for its write, so that a stuck store makes it fail rather than hang. */
export const WRITE_PROBE_TIMEOUT_MS = 2000;

export interface WriteProbeResult {
  ok: boolean;
  latencyMs?: number;
  /** For the log only: a short reason, never a query or a value. */
  error?: string;
}

/**
 * Proves the store can commit a write now: one transaction inserts a row of its own and deletes it again, so it
 * leaves nothing behind yet goes through the commit (SQLite writes the pages to its WAL, PostgreSQL to its WAL),
 * which is what a full or read-only disk or a lost database refuses. The row lives in `login_throttle` under a key
 * no sign-in counter can have (those are `user:…` and `ip:…`); a table of its own would need a migration for one
 * throw-away row.
 */
export async function probeWrite(store: Store, timeoutMs = WRITE_PROBE_TIMEOUT_MS): Promise<WriteProbeResult> {
  const started = performance.now();
  const key = `write-probe:${randomUUID()}`;
  const write = store.writeTransaction(async (db) => {
    await db.insertInto('login_throttle').values({ key, failures: 0, window_start: 0 }).execute();
    await db.deleteFrom('login_throttle').where('key', '=', key).execute();
  });
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    await Promise.race([write, timeout]);
    return { ok: true, latencyMs: Math.round((performance.now() - started) * 100) / 100 };
  } catch (error) {
    // A write that times out may still fail later; it must not become an unhandled rejection.
    write.catch(() => {});
    return { ok: false, error: error instanceof Error ? error.message : String(error) };
  } finally {
    clearTimeout(timer);
  }
}
