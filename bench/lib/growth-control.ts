/**
 * The growth scenario's control port, opened inside the Gatehouse benchmark server (bench/servers/gatehouse.ts with
 * BENCH_GROWTH_CONTROL=on) on a second loopback port: benchmark code only, nothing of it is in `gatehouse serve`.
 *
 *   GET  /census?days=N rows and bytes per table, the rows of the expiring tables dated more than N days ago (the
 *                       old rows: those the clock moved past), and the database's size (SQLite: after a WAL checkpoint)
 *   POST /age?days=N    moves every stored time of the expiring tables N days into the past
 *   POST /purge         one run of the purge the server schedules (gatehouse.purgeExpired), timed
 *   POST /vacuum        PostgreSQL: VACUUM (what autovacuum does: the space of deleted rows becomes reusable)
 *   POST /delay?ms=N    the server's event-loop delay over N ms (to compare with the delay during a purge)
 *
 * Ageing the rows stands in for a clock moved forward: Gatehouse takes its time from the system clock and has no
 * clock a benchmark could set, and waiting out a refresh token's 30 days is not possible in a run. Moving the stored
 * times back by N days is, to every query the server and its purge make, the same as N days having passed.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { type Kysely, sql } from 'kysely';
import type { Gatehouse, PurgeReport } from '../../src/gatehouse.js';
import type { Database } from '../../src/store/schema.js';

/** The tables the census counts: every table of the store. */
export const STORE_TABLES = [
  'tenants',
  'roles',
  'apis',
  'clients',
  'users',
  'signing_keys',
  'page_keys',
  'members',
  'consents',
  'revoked_tokens',
  'authorization_codes',
  'grants',
  'refresh_tokens',
  'grant_access_tokens',
  'interactions',
  'sessions',
  'login_throttle',
  'sign_in_delays',
  'sign_in_devices',
  'audit_events',
  'invitations',
  'setup_codes',
] as const satisfies readonly (keyof Database)[];
export type StoreTable = (typeof STORE_TABLES)[number];

/** The stored times (epoch seconds) of every table whose rows expire; `_ms` columns are milliseconds. */
const TIME_COLUMNS: Partial<Record<StoreTable, readonly string[]>> = {
  revoked_tokens: ['expires_at', 'revoked_at'],
  authorization_codes: ['auth_time', 'requested_at', 'expires_at', 'used_at'],
  grants: ['created_at', 'revoked_at', 'auth_time', 'requested_at', 'refresh_token_issued_at', 'rotated_at'],
  refresh_tokens: ['expires_at'],
  grant_access_tokens: ['expires_at'],
  interactions: ['expires_at'],
  sessions: ['auth_time', 'created_at', 'expires_at', 'last_seen_at', 'revoked_at'],
  login_throttle: ['window_start'],
  sign_in_delays: ['last_failure_ms', 'previous_failure_ms'],
  sign_in_devices: ['created_at', 'expires_at'],
  audit_events: ['at'],
  invitations: ['created_at', 'expires_at', 'accepted_at'],
  setup_codes: ['created_at', 'expires_at'],
};

/**
 * When each expiring table's row was written, or a time near it (an expiry minutes to a month later): after the clock
 * moves 400 days a row dated more than 200 days ago was written before, and has outlived every lifetime (the longest,
 * a device cookie's, is 365 days).
 */
const DATED_BY: Partial<Record<StoreTable, string>> = {
  revoked_tokens: 'revoked_at',
  authorization_codes: 'requested_at',
  grants: 'created_at',
  refresh_tokens: 'expires_at',
  grant_access_tokens: 'expires_at',
  interactions: 'expires_at',
  sessions: 'created_at',
  login_throttle: 'window_start',
  sign_in_delays: 'last_failure_ms',
  sign_in_devices: 'created_at',
  audit_events: 'at',
  invitations: 'created_at',
  setup_codes: 'created_at',
};

export interface Census {
  /** `old`: for the expiring tables, rows dated more than the census's `days` ago. */
  tables: Record<StoreTable, { rows: number; bytes: number; old?: number }>;
  /** SQLite: the file and its WAL after a checkpoint (TRUNCATE); PostgreSQL: pg_database_size. */
  databaseBytes: number;
}

export interface TimedPurge {
  report: PurgeReport;
  ms: number;
  /** The server's event-loop delay while it purged (1 ms resolution): how long a request could wait for the loop. */
  eventLoopDelayMs: EventLoopDelay;
}

async function census(gatehouse: Gatehouse, days: number): Promise<Census> {
  const { store } = gatehouse;
  const db = store.db as unknown as Kysely<any>;
  const rows = {} as Record<StoreTable, number>;
  const old: Partial<Record<StoreTable, number>> = {};
  const cutoffSeconds = Math.floor(Date.now() / 1000) - days * 86_400;
  for (const table of STORE_TABLES) {
    const { rows: counted } = await sql<{ n: number | string }>`select count(*) as n from ${sql.table(table)}`.execute(db);
    rows[table] = Number(counted[0]!.n);
    const column = DATED_BY[table];
    if (!column) continue;
    const cutoff = column.endsWith('_ms') ? cutoffSeconds * 1000 : cutoffSeconds;
    const { rows: dated } = await sql<{
      n: number | string;
    }>`select count(*) as n from ${sql.table(table)} where ${sql.ref(column)} < ${cutoff}`.execute(db);
    old[table] = Number(dated[0]!.n);
  }
  const bytes = {} as Record<StoreTable, number>;
  let databaseBytes: number;
  if (store.dialect === 'postgres') {
    for (const table of STORE_TABLES) {
      // Heap, indexes and TOAST: what the table costs on disk.
      const { rows: sized } = await sql<{ n: number | string }>`select pg_total_relation_size(${table}) as n`.execute(db);
      bytes[table] = Number(sized[0]!.n);
    }
    const { rows: total } = await sql<{ n: number | string }>`select pg_database_size(current_database()) as n`.execute(db);
    databaseBytes = Number(total[0]!.n);
  } else {
    await store.exec!('pragma wal_checkpoint(TRUNCATE)');
    // dbstat: the pages of every table and index; an index counts for its table.
    const { rows: pages } = await sql<{ table: string; n: number | string }>`
      select m.tbl_name as "table", sum(s.pgsize) as n from dbstat s join sqlite_master m on m.name = s.name group by m.tbl_name`.execute(
      db,
    );
    for (const table of STORE_TABLES) bytes[table] = Number(pages.find((row) => row.table === table)?.n ?? 0);
    const { rows: file } = await sql<{
      n: number | string;
    }>`select page_count * page_size as n from pragma_page_count, pragma_page_size`.execute(db);
    databaseBytes = Number(file[0]!.n);
  }
  const tables = Object.fromEntries(
    STORE_TABLES.map((table) => [
      table,
      { rows: rows[table], bytes: bytes[table], ...(old[table] === undefined ? {} : { old: old[table] }) },
    ]),
  ) as Census['tables'];
  return { tables, databaseBytes };
}

/** Moves every stored time of the expiring tables `days` into the past; returns the rows moved per table. */
async function age(gatehouse: Gatehouse, days: number): Promise<Record<string, number>> {
  const db = gatehouse.store.db as unknown as Kysely<any>;
  const moved: Record<string, number> = {};
  for (const [table, columns] of Object.entries(TIME_COLUMNS)) {
    const set = Object.fromEntries(
      columns.map((column) => {
        const by = column.endsWith('_ms') ? days * 86_400_000 : days * 86_400;
        // 0 means "none" in sign_in_delays.previous_failure_ms, and null stays null.
        return [column, sql`case when ${sql.ref(column)} > 0 then ${sql.ref(column)} - ${by} else ${sql.ref(column)} end`];
      }),
    );
    const result = await db.updateTable(table).set(set).executeTakeFirst();
    moved[table] = Number(result.numUpdatedRows);
  }
  return moved;
}

export interface EventLoopDelay {
  p50: number;
  p99: number;
  max: number;
}

/** The event-loop delay (1 ms resolution) while `work` runs, in milliseconds. */
async function delayDuring<T>(work: () => Promise<T>): Promise<{ result: T; eventLoopDelayMs: EventLoopDelay }> {
  const delay = monitorEventLoopDelay({ resolution: 1 });
  delay.enable();
  try {
    const result = await work();
    const inMs = (nanoseconds: number) => Math.round(nanoseconds / 1e4) / 100;
    return { result, eventLoopDelayMs: { p50: inMs(delay.percentile(50)), p99: inMs(delay.percentile(99)), max: inMs(delay.max) } };
  } finally {
    delay.disable();
  }
}

async function timedPurge(gatehouse: Gatehouse): Promise<TimedPurge> {
  const started = performance.now();
  const { result: report, eventLoopDelayMs } = await delayDuring(() => gatehouse.purgeExpired());
  return { report, ms: performance.now() - started, eventLoopDelayMs };
}

async function vacuum(gatehouse: Gatehouse): Promise<void> {
  if (gatehouse.store.dialect !== 'postgres') return;
  await sql`vacuum`.execute(gatehouse.store.db);
}

function answer(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

async function route(gatehouse: Gatehouse, req: IncomingMessage): Promise<unknown> {
  const url = new URL(req.url ?? '/', 'http://control');
  const key = `${req.method} ${url.pathname}`;
  if (key === 'GET /census') return census(gatehouse, Number(url.searchParams.get('days') ?? '0'));
  if (key === 'POST /age') {
    const days = Number(url.searchParams.get('days'));
    if (!Number.isInteger(days) || days < 1) throw new Error('days must be a whole number of at least 1');
    return age(gatehouse, days);
  }
  if (key === 'POST /purge') return timedPurge(gatehouse);
  if (key === 'POST /delay') {
    const ms = Number(url.searchParams.get('ms'));
    if (!Number.isInteger(ms) || ms < 1) throw new Error('ms must be a whole number of at least 1');
    return (await delayDuring(() => new Promise((resolve) => setTimeout(resolve, ms)))).eventLoopDelayMs;
  }
  if (key === 'POST /vacuum') return vacuum(gatehouse).then(() => ({ vacuumed: gatehouse.store.dialect === 'postgres' }));
  throw new Error(`no such control route: ${key}`);
}

/** Listens on a free loopback port; resolves to its base URL and a close function. */
export async function startGrowthControl(gatehouse: Gatehouse): Promise<{ url: string; close: () => Promise<void> }> {
  const server = createServer((req, res) => {
    req.resume();
    route(gatehouse, req).then(
      (body) => answer(res, 200, body),
      (error: unknown) => answer(res, 500, { error: error instanceof Error ? error.message : String(error) }),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  if (typeof address !== 'object' || !address) throw new Error('the control server has no address');
  return {
    url: `http://127.0.0.1:${address.port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
