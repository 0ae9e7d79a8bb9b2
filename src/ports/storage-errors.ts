// What a store port's failure means, for every layer that must tell "not now" from "wrong": the core (signing keys
// keep serving through an outage), the HTTP edge (503 and Retry-After) and the stores themselves. No imports: the
// codes are matched as strings, so knowing them ties no one to a driver.

/**
 * The store cannot do the work now, through no fault of the request: the connection was lost or timed out, the
 * database is locked, shutting down or out of disk. Nothing was changed by the failed work; the same request may
 * succeed later, so the HTTP edge answers 503 with Retry-After instead of 500.
 */
export class StoreUnavailableError extends Error {
  override name = 'StoreUnavailableError';

  constructor(
    /** Short, safe to log and show an operator: "connection lost", "disk full", … Never a query or a value. */
    readonly reason: string,
    options: { cause?: unknown } = {},
  ) {
    super(`the database is unavailable: ${reason}`, options);
  }
}

// PostgreSQL SQLSTATE classes and codes that mean "not now" rather than "wrong": 08 connection exception, 53
// insufficient resources, 57P01-57P05 shutdown/cannot connect/idle timeouts, 57014 query cancelled (our statement
// timeout), 40001/40P01 serialization failure and deadlock (the work was rolled back), 25006 read-only transaction
// (a standby). https://www.postgresql.org/docs/current/errcodes-appendix.html
const POSTGRES_UNAVAILABLE = /^(08...|53...|57P0[1-5]|57014|40001|40P01|25006)$/;
// Node's socket errors, raised by the PostgreSQL driver when the server cannot be reached or went away.
const SOCKET_UNAVAILABLE = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);
// pg raises these without a code when a connection ends under a query or cannot be made in time.
const CONNECTION_LOST = new RegExp(
  [
    'Connection terminated',
    'connection timeout',
    'timeout exceeded when trying to connect',
    'Client has encountered a connection error',
    'Query read timeout',
  ].join('|'),
  'i',
);
// better-sqlite3 error codes (SQLite's extended result codes by name) for a busy, full, read-only or failing disk.
const SQLITE_UNAVAILABLE: Record<string, string> = {
  SQLITE_BUSY: 'the database is locked',
  SQLITE_LOCKED: 'the database is locked',
  SQLITE_FULL: 'disk full',
  SQLITE_READONLY: 'read-only file system',
  SQLITE_IOERR: 'disk I/O error',
  SQLITE_CANTOPEN: 'cannot open the database file',
  SQLITE_PROTOCOL: 'the database is locked',
  // The transaction was rolled back (by SQLite after a full disk or an I/O error): nothing of it was applied.
  SQLITE_ABORT: 'the transaction was rolled back',
};

/** Why the error means the store is unavailable, or undefined when it is some other failure. */
export function unavailableReason(error: unknown): string | undefined {
  if (error instanceof StoreUnavailableError) return error.reason;
  if (!(error instanceof Error)) return undefined;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') {
    if (POSTGRES_UNAVAILABLE.test(code)) return code === '57014' ? 'statement timeout' : `database error ${code}`;
    if (SOCKET_UNAVAILABLE.has(code)) return 'cannot reach the database';
    const sqlite = SQLITE_UNAVAILABLE[code] ?? SQLITE_UNAVAILABLE[code.replace(/^(SQLITE_[A-Z]+)_.*$/, '$1')];
    if (sqlite) return code === 'SQLITE_IOERR_WRITE' || code === 'SQLITE_IOERR_FSYNC' ? 'disk write failed' : sqlite;
  }
  if (CONNECTION_LOST.test(error.message)) return 'connection lost';
  return undefined;
}
