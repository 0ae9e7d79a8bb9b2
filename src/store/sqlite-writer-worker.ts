import { parentPort, workerData } from 'node:worker_threads';
import BetterSqlite3 from 'better-sqlite3';
import type { Statement, WriterOptions, WriterOutcome, WriterReply, WriterRequest } from './sqlite-writer-protocol.js';

/**
 * The thread that owns the SQLite write connection. better-sqlite3 blocks the thread that calls it: here a commit
 * that cannot reach a frozen disk, or BEGIN IMMEDIATE sleeping in the busy handler while another process holds the
 * write lock, blocks only this thread, never the event loop that answers requests. Requests are handled one at a
 * time in the order they were posted; the event loop keeps statements of other callers out of an open transaction.
 */

const STATEMENT_CACHE_SIZE = 500;
const { file } = workerData as WriterOptions;
const connection = new BetterSqlite3(file);
connection.pragma('journal_mode = WAL');
connection.pragma('synchronous = NORMAL');
const statements = new Map<string, BetterSqlite3.Statement>();
const prepare = (text: string) => {
  let statement = statements.get(text);
  if (!statement) {
    statement = connection.prepare(text);
    if (statements.size < STATEMENT_CACHE_SIZE) statements.set(text, statement);
  }
  return statement;
};

let busyTimeout = -1;
/** Waits for the write lock no longer than the caller will wait for the answer. */
const waitForLockUntil = (deadline: number) => {
  const remaining = Math.max(0, deadline - Date.now());
  // Changing it costs a statement; a few milliseconds either way do not matter.
  if (Math.abs(remaining - busyTimeout) > 5) {
    connection.pragma(`busy_timeout = ${remaining}`);
    busyTimeout = remaining;
  }
};

function execute(sql: string, parameters: readonly unknown[]): WriterOutcome {
  const statement = prepare(sql);
  if (statement.reader) return { ok: true, rows: statement.all(parameters) };
  const { changes, lastInsertRowid } = statement.run(parameters);
  return { ok: true, rows: [], changes, lastInsertRowid: Number(lastInsertRowid) };
}

// SQLite rolls a transaction back by itself after some errors (SQLITE_FULL, SQLITE_IOERR, …); what the caller
// sends next must not then run, or commit, outside of it.
const rolledBack = (): WriterOutcome => ({
  ok: false,
  message: 'the transaction was rolled back after an earlier error',
  code: 'SQLITE_ABORT_ROLLBACK',
});

/** Store.compareAndWrite on this thread: nothing between BEGIN and COMMIT waits for the event loop. */
function compareAndWrite(guard: Statement, writes: readonly Statement[], deadline: number): WriterOutcome {
  connection.exec('begin immediate');
  try {
    if (prepare(guard.sql).run(guard.parameters).changes !== 1) {
      connection.exec('rollback');
      return { ok: true, rows: [], changes: 0 };
    }
    for (const write of writes) prepare(write.sql).run(write.parameters);
    if (Date.now() >= deadline) {
      connection.exec('rollback');
      return { ok: false, expired: true };
    }
    connection.exec('commit');
    return { ok: true, rows: [], changes: 1 };
  } catch (error) {
    // SQLite may have ended the transaction itself (SQLITE_FULL, SQLITE_IOERR).
    if (connection.inTransaction) connection.exec('rollback');
    throw error;
  }
}

function handle(request: WriterRequest): WriterOutcome {
  if (request.kind === 'rollback') {
    if (connection.inTransaction) connection.exec('rollback');
    return { ok: true, rows: [] };
  }
  if (request.kind === 'close') return { ok: true, rows: [] };
  if (Date.now() >= request.deadline) {
    if (request.kind === 'commit' && connection.inTransaction) connection.exec('rollback');
    return { ok: false, expired: true };
  }
  if (request.kind === 'commit') {
    if (!connection.inTransaction) return rolledBack();
    connection.exec('commit');
    return { ok: true, rows: [] };
  }
  if (request.kind === 'run' && request.transaction === 'continue') {
    if (!connection.inTransaction) return rolledBack();
    return execute(request.sql, request.parameters);
  }
  // Work from outside a transaction never runs inside one left open (its rollback failed).
  if (connection.inTransaction) connection.exec('rollback');
  waitForLockUntil(request.deadline);
  if (request.kind === 'exec') {
    connection.exec(request.sql);
    return { ok: true, rows: [] };
  }
  if (request.kind === 'batch') return compareAndWrite(request.guard, request.writes, request.deadline);
  if (request.transaction === 'begin') connection.exec('begin immediate');
  return execute(request.sql, request.parameters);
}

parentPort!.on('message', (request: WriterRequest) => {
  let reply: WriterReply;
  try {
    reply = { ...handle(request), id: request.id };
  } catch (error) {
    const { message, code } = error as { message: string; code?: unknown };
    reply = { id: request.id, ok: false, message, code: typeof code === 'string' ? code : undefined };
  }
  if (request.kind === 'close') {
    connection.close();
    parentPort!.postMessage(reply);
    parentPort!.close();
    return;
  }
  parentPort!.postMessage(reply);
});
