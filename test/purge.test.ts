import assert from 'node:assert/strict';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { after, before, describe, test } from 'node:test';
import BetterSqlite3 from 'better-sqlite3';
import { type Kysely, SqliteAdapter, sql } from 'kysely';
import { loadConfig } from '../src/config.js';
import { createGatehouse, type PurgeReport } from '../src/gatehouse.js';
import { nowSeconds } from '../src/ports/clock.js';
import { openStore, type Store, storeOptionsOf } from '../src/store/database.js';
import { PURGE_BATCH_SIZE } from '../src/store/purge.js';
import type { Database } from '../src/store/schema.js';
import { sha256Hex } from '../src/tokens/hash.js';
import { type Backend, backends } from './helpers/backends.js';
import { eventually, freshStoreEnv, gatehouse, gatehouseJson, spawnServe } from './helpers/cli.js';
import { assertOAuthError, authorize, createAlice, FULL_SCOPE, refresh, tokensFor, webApp } from './helpers/code-flow.js';
import { requirePostgresCluster, startPostgresCluster } from './helpers/postgres-cluster.js';
import { freePort, startTestServer, type TestServer } from './helpers/server.js';
import { introspect } from './helpers/tokens.js';

const DAY = 86400;

/** Every table the purge deletes from, with its primary key (seeded rows' keys start with a prefix). */
const PURGED = {
  revoked_tokens: 'jti',
  authorization_codes: 'code_hash',
  grant_access_tokens: 'jti',
  // Keyed by the hash's bytes; the seeded rows are found by their (made-up) grant id.
  refresh_tokens: 'grant_id',
  grants: 'id',
  interactions: 'id',
  sessions: 'id',
  login_throttle: 'key',
  sign_in_delays: 'key',
  sign_in_devices: 'token_hash',
  audit_events: 'id',
  invitations: 'id',
} as const;
type PurgedTable = keyof typeof PURGED;
const TABLES = Object.keys(PURGED) as PurgedTable[];

/**
 * What each table's seeded rows look like, all long dead at `old`: `i` numbers them, `p` is the key prefix, `bytes`
 * turns a text expression into the dialect's binary type.
 */
const DEAD_ROWS: Record<PurgedTable, [columns: string, select: (p: string, old: number, bytes: (text: string) => string) => string]> = {
  revoked_tokens: ['jti, client_id, expires_at, revoked_at', (p, old) => `${p} || i, 'c', ${old}, ${old}`],
  authorization_codes: [
    'code_hash, client_id, user_id, session_id, code_challenge, scopes, audience, auth_time, requested_at, expires_at',
    (p, old) => `${p} || i, 'c', 'u', 's', 'challenge', '["openid"]', 'https://api.example', ${old}, ${old}, ${old}`,
  ],
  grant_access_tokens: ['jti, grant_id, client_id, expires_at', (p, old) => `${p} || i, 'no-such-grant', 'c', ${old}`],
  refresh_tokens: ['token_hash, grant_id, expires_at', (p, old, bytes) => `${bytes(`${p} || i`)}, ${p} || 'rt' || i, ${old}`],
  grants: ['id, user_id, client_id, scopes, created_at', (p, old) => `${p} || i, 'u', 'c', '["openid"]', ${old}`],
  interactions: ['id, expires_at', (p, old) => `${p} || i, ${old}`],
  sessions: [
    'id, token_hash, user_id, auth_time, created_at, expires_at, ip, user_agent',
    (p, old) => `${p} || i, ${p} || 'hash-' || i, 'u', ${old}, ${old}, ${old}, '', ''`,
  ],
  login_throttle: ['key, failures, window_start', (p, old) => `${p} || i, 3, ${old}`],
  // Milliseconds there: the seconds of `old` are a moment of 1970, long dead too.
  sign_in_delays: ['key, failures, last_failure_ms, previous_failure_ms, claim', (p, old) => `${p} || i, 3, ${old}, 0, 'claim'`],
  sign_in_devices: ['token_hash, user_id, failures, created_at, expires_at', (p, old) => `${p} || i, 'u', 0, ${old}, ${old}`],
  audit_events: [
    'id, at, actor, actor_type, action, target, ip, details',
    (p, old) => `${p} || i, ${old}, 'cli', 'cli', 'client.created', 'c', '', '{}'`,
  ],
  invitations: [
    'id, token_hash, email, role, invited_by, created_at, expires_at',
    (p, old) => `${p} || i, ${p} || 'hash-' || i, 'a@example.com', 'viewer', 'u', ${old}, ${old}`,
  ],
};

/** `count` long-dead rows in every purged table, one statement per table, keys starting with `prefix`, in two tenants. */
async function seedDeadRows(db: Kysely<Database>, prefix: string, count: number): Promise<void> {
  const old = nowSeconds() - 400 * DAY;
  const quoted = `'${prefix.replace(/'/g, "''")}'`;
  const bytes =
    db.getExecutor().adapter instanceof SqliteAdapter
      ? (text: string) => `cast(${text} as blob)`
      : (text: string) => `convert_to(${text}, 'UTF8')`;
  for (const table of TABLES) {
    const [columns, select] = DEAD_ROWS[table];
    await sql
      .raw(
        // Half the rows in another tenant: the purge runs once for the whole deployment.
        `with recursive n(i) as (select 1 union all select i + 1 from n where i < ${count}) insert into ${table} (tenant_id, ${columns}) select case when i % 2 = 0 then 'default' else 'acme' end, ${select(quoted, old, bytes)} from n`,
      )
      .execute(db);
  }
}

/** How many rows whose key starts with `prefix` are left, per table. */
async function remaining(db: Kysely<Database>, prefix: string): Promise<Record<PurgedTable, number>> {
  const counts = {} as Record<PurgedTable, number>;
  for (const table of TABLES) {
    const { rows } = await sql<{
      n: number | string;
    }>`select count(*) as n from ${sql.table(table)} where ${sql.ref(PURGED[table])} like ${`${prefix}%`}`.execute(db);
    counts[table] = Number(rows[0]!.n);
  }
  return counts;
}

const total = (counts: object): number => (Object.values(counts) as number[]).reduce((sum, n) => sum + n, 0);
// A purge's counts: `n` in every seeded table; setup codes are one per tenant at most, so they are seeded on their own.
const inTables = (n: number) => Object.fromEntries(TABLES.map((table) => [table, n]));
const each = (n: number) => ({ ...inTables(n), setup_codes: 0 });
const none = each(0);

/** Opens the store named by a CLI environment (for seeding what a separate process will purge). */
const storeOf = (env: Record<string, string>): Promise<Store> => openStore(storeOptionsOf(loadConfig(env)));

/** The indexes the purge filters through: name, table, column. */
const PURGE_INDEXES = [
  ['authorization_codes_expires_at', 'authorization_codes', 'expires_at'],
  ['authorization_codes_grant', 'authorization_codes', 'grant_id'],
  ['grant_access_tokens_expires_at', 'grant_access_tokens', 'expires_at'],
  ['grant_access_tokens_grant', 'grant_access_tokens', 'grant_id'],
  ['refresh_tokens_expires_at', 'refresh_tokens', 'expires_at'],
  ['refresh_tokens_grant', 'refresh_tokens', 'grant_id'],
  ['revoked_tokens_expires_at', 'revoked_tokens', 'expires_at'],
  ['interactions_expires_at', 'interactions', 'expires_at'],
  ['sessions_expires_at', 'sessions', 'expires_at'],
  ['sessions_revoked_at', 'sessions', 'revoked_at'],
  ['sessions_last_seen_at', 'sessions', 'last_seen_at'],
  ['login_throttle_window_start', 'login_throttle', 'window_start'],
  ['sign_in_delays_last_failure_ms', 'sign_in_delays', 'last_failure_ms'],
  ['sign_in_devices_expires_at', 'sign_in_devices', 'expires_at'],
  ['audit_events_at', 'audit_events', 'at'],
  ['invitations_expires_at', 'invitations', 'expires_at'],
] as const;

async function indexedColumns(store: Store): Promise<Set<string>> {
  if (store.dialect === 'postgres') {
    const { rows } = await sql<{
      indexname: string;
      tablename: string;
      indexdef: string;
    }>`select indexname, tablename, indexdef from pg_indexes where schemaname = current_schema()`.execute(store.db);
    return new Set(rows.map((row) => `${row.indexname} ${row.tablename} ${/\((\w+)\)$/.exec(row.indexdef)?.[1]}`));
  }
  const { rows } = await sql<{
    name: string;
    tbl_name: string;
    column: string;
  }>`select m.name, m.tbl_name, i.name as "column" from sqlite_master m, pragma_index_info(m.name) i where m.type = 'index'`.execute(
    store.db,
  );
  return new Set(rows.map((row) => `${row.name} ${row.tbl_name} ${row.column}`));
}

for (const backend of backends()) {
  describe(`purge of expired records (${backend.name})`, () => {
    let server: TestServer;
    before(async () => {
      // These tests purge themselves and count what one purge removed: the server's own schedule (its first purge
      // comes at a random moment within a minute) would take a share.
      server = await startTestServer(backend, {}, { purges: false });
    });
    after(() => server.close());
    const purge = () => server.server.gatehouse.purgeExpired();

    test('removes long-dead sessions, old sign-in counters, expired device cookies and revocations; keeps what is live', async () => {
      const { db } = server.server.gatehouse.store;
      const now = nowSeconds();
      const session = (id: string, expiresAt: number, revokedAt: number | null, lastSeenAt = now - 10) => ({
        id,
        token_hash: `hash-${id}`,
        user_id: 'u',
        auth_time: now - 10,
        created_at: now - 10,
        expires_at: expiresAt,
        last_seen_at: lastSeenAt,
        ip: '',
        user_agent: '',
        revoked_at: revokedAt,
        tenant_id: 'default',
      });
      const idleSince = now - server.config.sessionIdleTimeout;
      await db
        .insertInto('sessions')
        .values([
          session('live', now + 3600, null),
          session('expired', now - 2 * 86400, null),
          session('signed-out', now + 3600, now - 2 * 86400),
          // Ended by the idle timeout two days ago, one an hour ago (kept for a day like every ended session).
          session('idle', now + 3600, null, idleSince - 2 * 86400),
          session('idle-lately', now + 3600, null, idleSince - 3600),
        ])
        .execute();
      await db
        .insertInto('login_throttle')
        .values([
          { tenant_id: 'default', key: 'user:old', failures: 3, window_start: now - 2 * 86400 },
          { tenant_id: 'default', key: 'user:new', failures: 1, window_start: now },
        ])
        .execute();
      // Quiet for longer than four times the longest delay (an hour by default), a counter would start again anyway.
      await db
        .insertInto('sign_in_delays')
        .values([
          {
            tenant_id: 'default',
            key: 'user:quiet',
            failures: 9,
            last_failure_ms: (now - 3601) * 1000,
            previous_failure_ms: 0,
            claim: 'a',
          },
          {
            tenant_id: 'default',
            key: 'user:recent',
            failures: 9,
            last_failure_ms: (now - 3500) * 1000,
            previous_failure_ms: 0,
            claim: 'b',
          },
        ])
        .execute();
      const device = (token_hash: string, expires_at: number) => ({
        tenant_id: 'default',
        token_hash,
        user_id: 'u',
        failures: 0,
        created_at: 0,
        expires_at,
      });
      await db
        .insertInto('sign_in_devices')
        .values([device('expired', now - 1), device('live', now + 3600)])
        .execute();
      await db
        .insertInto('revoked_tokens')
        .values([
          { tenant_id: 'default', jti: 'old', client_id: 'c', expires_at: now - 3600, revoked_at: now - 7200 },
          { tenant_id: 'default', jti: 'current', client_id: 'c', expires_at: now + 600, revoked_at: now },
        ])
        .execute();

      const { deleted } = await purge();

      assert.deepEqual(
        (await db.selectFrom('sessions').select('id').orderBy('id').execute()).map((r) => r.id),
        ['idle-lately', 'live'],
      );
      assert.deepEqual(
        (await db.selectFrom('login_throttle').select('key').execute()).map((r) => r.key),
        ['user:new'],
      );
      assert.deepEqual(
        (await db.selectFrom('revoked_tokens').select('jti').execute()).map((r) => r.jti),
        ['current'],
      );
      assert.deepEqual(
        (await db.selectFrom('sign_in_delays').select('key').execute()).map((r) => r.key),
        ['user:recent'],
      );
      assert.deepEqual(
        (await db.selectFrom('sign_in_devices').select('token_hash').execute()).map((r) => r.token_hash),
        ['live'],
      );
      const counts = [deleted.sessions, deleted.login_throttle, deleted.sign_in_delays, deleted.sign_in_devices, deleted.revoked_tokens];
      assert.deepEqual(counts, [3, 1, 1, 1, 1]);
    });

    test('grants nothing refers to any more are deleted; a grant whose tokens are live stays, and its tokens keep working', async () => {
      const { db } = server.server.gatehouse.store;
      await createAlice(server);
      const app = await webApp(server);
      const live = await tokensFor(server, app, await authorize(server, { clientId: app.clientId, scope: FULL_SCOPE }));
      const ended = await tokensFor(server, app, await authorize(server, { clientId: app.clientId, scope: FULL_SCOPE }));
      const grantOf = async (refreshToken: string) =>
        (
          await db
            .selectFrom('refresh_tokens')
            .select('grant_id')
            .where('token_hash', '=', Buffer.from(sha256Hex(refreshToken), 'hex'))
            .executeTakeFirstOrThrow()
        ).grant_id;
      const liveGrant = await grantOf(live.refresh_token!);
      const endedGrant = await grantOf(ended.refresh_token!);
      const old = nowSeconds() - 40 * DAY;
      // The clock far ahead: both grants are old; everything issued from one of them has expired long ago.
      await db.updateTable('grants').set({ created_at: old }).where('id', 'in', [liveGrant, endedGrant]).execute();
      await db.updateTable('refresh_tokens').set({ expires_at: old }).where('grant_id', '=', endedGrant).execute();
      await db.updateTable('grant_access_tokens').set({ expires_at: old }).where('grant_id', '=', endedGrant).execute();
      await db.updateTable('authorization_codes').set({ expires_at: old }).where('grant_id', '=', endedGrant).execute();
      // Old grants kept by one thing each, an old grant kept by nothing, and a grant being issued right now.
      const now = nowSeconds();
      const grant = (id: string, createdAt: number) => ({
        id,
        user_id: 'u',
        client_id: 'c',
        scopes: '[]',
        created_at: createdAt,
        revoked_at: null,
        session_id: 's',
        audience: 'a',
        auth_time: createdAt,
        requested_at: createdAt,
        tenant_id: 'default',
      });
      await db
        .insertInto('grants')
        .values([grant('g-access-token', old), grant('g-code', old), grant('g-nothing', old), grant('g-new', now)])
        .execute();
      await db
        .insertInto('grant_access_tokens')
        .values({ tenant_id: 'default', jti: 'jti-of-g-access-token', grant_id: 'g-access-token', client_id: 'c', expires_at: now + 600 })
        .execute();
      await db
        .insertInto('authorization_codes')
        .values({
          tenant_id: 'default',
          code_hash: 'code-of-g-code',
          client_id: 'c',
          user_id: 'u',
          session_id: 's',
          redirect_uri: null,
          code_challenge: 'x',
          scopes: '[]',
          nonce: null,
          audience: 'a',
          auth_time: now,
          requested_at: now,
          expires_at: now - 60,
          used_at: now - 90,
          grant_id: 'g-code',
        })
        .execute();

      const { deleted } = await purge();

      const grants = (await db.selectFrom('grants').select('id').execute()).map((row) => row.id);
      assert.ok(!grants.includes(endedGrant), 'the grant whose tokens all expired is gone');
      assert.ok(!grants.includes('g-nothing'), 'the grant nothing refers to is gone');
      for (const kept of [liveGrant, 'g-access-token', 'g-code', 'g-new']) assert.ok(grants.includes(kept), `${kept} stays`);
      assert.equal(deleted.grants, 2);
      assert.equal(deleted.refresh_tokens, 1);
      const introspected = await introspect(server, app, live.access_token);
      assert.equal((introspected.body as { active: boolean }).active, true, introspected.text);
      const refreshed = await refresh(server, app, live.refresh_token!);
      assert.equal(refreshed.status, 200, refreshed.text);
      assertOAuthError(await refresh(server, app, ended.refresh_token!), 400, 'invalid_grant');
    });

    test('audit events older than the retention period (90 days by default) are deleted; younger ones stay', async () => {
      const { db } = server.server.gatehouse.store;
      const now = nowSeconds();
      const event = (id: string, at: number) => ({
        id,
        at,
        actor: 'cli',
        actor_type: 'cli',
        action: 'client.created',
        target: 'c',
        ip: '',
        details: '{}',
        tenant_id: 'default',
      });
      await db
        .insertInto('audit_events')
        .values([event('retention-91d', now - 91 * DAY), event('retention-89d', now - 89 * DAY)])
        .execute();
      const { deleted } = await purge();
      assert.equal(deleted.audit_events, 1);
      assert.deepEqual(
        (await db.selectFrom('audit_events').select('id').where('id', 'like', 'retention-%').execute()).map((row) => row.id),
        ['retention-89d'],
      );
    });

    test('setup codes a day past expiry are deleted in every tenant; a valid one and one expired lately stay', async () => {
      const { db } = server.server.gatehouse.store;
      const now = nowSeconds();
      await db.deleteFrom('setup_codes').execute();
      await db
        .insertInto('setup_codes')
        .values([
          { tenant_id: 'default', code_hash: 'live', created_at: now - 60, expires_at: now + 3540 },
          // Kept for a day after expiry: the setup page then says the code expired, not that it is wrong.
          { tenant_id: 'acme', code_hash: 'expired-lately', created_at: now - 7200, expires_at: now - 3600 },
          { tenant_id: 'globex', code_hash: 'expired-2d', created_at: now - 3 * DAY, expires_at: now - 2 * DAY },
          { tenant_id: 'initech', code_hash: 'expired-1d', created_at: now - 2 * DAY, expires_at: now - DAY - 1 },
        ])
        .execute();
      const { deleted, complete } = await purge();
      assert.equal(deleted.setup_codes, 2);
      assert.equal(complete, true);
      assert.deepEqual(await db.selectFrom('setup_codes').select(['tenant_id', 'code_hash']).orderBy('tenant_id').execute(), [
        { tenant_id: 'acme', code_hash: 'expired-lately' },
        { tenant_id: 'default', code_hash: 'live' },
      ]);
    });

    test('a purge stops at its time limit and says so, leaving the rest; the next run removes it', async () => {
      const { db } = server.server.gatehouse.store;
      const perTable = 2 * PURGE_BATCH_SIZE + 5;
      await seedDeadRows(db, 'limited-', perTable);
      // One batch starts before the 1 ms deadline; the pause after it (PURGE_BATCH_PAUSE_MS) outlasts the deadline.
      const limited = await server.server.gatehouse.purgeExpired({ timeLimitMs: 1 });
      assert.equal(limited.complete, false);
      assert.equal(total(limited.deleted), PURGE_BATCH_SIZE, JSON.stringify(limited.deleted));
      assert.equal(limited.deleted.revoked_tokens, PURGE_BATCH_SIZE, 'the first table purged got its first batch');
      const left = await remaining(db, 'limited-');
      assert.equal(total(left), TABLES.length * perTable - PURGE_BATCH_SIZE);
      assert.equal(left.revoked_tokens, perTable - PURGE_BATCH_SIZE);

      const rest = await purge();
      assert.equal(rest.complete, true);
      assert.deepEqual(await remaining(db, 'limited-'), inTables(0));
      assert.equal(total(rest.deleted), TABLES.length * perTable - PURGE_BATCH_SIZE);
    });

    test('a backlog of many batches in every table is removed completely, the event loop turning between batches', async (t) => {
      const { db } = server.server.gatehouse.store;
      // About 150k rows in all, eight batches and a bit in each table.
      const perTable = Math.ceil(150_000 / TABLES.length);
      await seedDeadRows(db, 'backlog-', perTable);
      assert.deepEqual(await remaining(db, 'backlog-'), inTables(perTable));

      const delay = monitorEventLoopDelay({ resolution: 1 });
      delay.enable();
      await new Promise((resolve) => setTimeout(resolve, 20)); // the histogram skips its first sample
      let turns = 0;
      let counting = true;
      const count = () => {
        turns += 1;
        if (counting) setImmediate(count);
      };
      setImmediate(count);
      const started = performance.now();
      const report = await purge();
      const elapsed = performance.now() - started;
      counting = false;
      const turnsDuringPurge = turns;
      await new Promise((resolve) => setTimeout(resolve, 20));
      delay.disable();
      t.diagnostic(
        `${backend.name}: purged ${total(report.deleted)} rows in ${Math.round(elapsed)} ms; event loop delay max ${(delay.max / 1e6).toFixed(1)} ms, p99 ${(delay.percentile(99) / 1e6).toFixed(1)} ms; ${turnsDuringPurge} turns`,
      );

      assert.deepEqual(await remaining(db, 'backlog-'), inTables(0));
      assert.deepEqual(report.deleted, each(perTable));
      const batchesPerTable = Math.floor(perTable / PURGE_BATCH_SIZE);
      assert.ok(
        turnsDuringPurge >= TABLES.length * batchesPerTable,
        `the event loop turned ${turnsDuringPurge} times during a purge of ${TABLES.length * (batchesPerTable + 1)} batches`,
      );
      if (backend.name === 'sqlite') {
        const { before: full, after: reclaimed } = report.sqlite!;
        assert.equal(reclaimed.autoVacuum, 'incremental');
        assert.equal(reclaimed.freePages, 0, 'every free page went back to the file system');
        assert.ok(reclaimed.pageCount < full.pageCount / 4, `the file shrank from ${full.pageCount} to ${reclaimed.pageCount} pages`);
        t.diagnostic(
          `sqlite: ${full.pageCount} pages (${Math.round((100 * full.freePages) / full.pageCount)} % free) before, ${reclaimed.pageCount} (${reclaimed.freePages} free) after`,
        );
      } else {
        assert.equal(report.sqlite, undefined);
      }
    });

    test('every column a purge filters by is indexed', async () => {
      const indexed = await indexedColumns(server.server.gatehouse.store);
      for (const [name, table, column] of PURGE_INDEXES)
        assert.ok(indexed.has(`${name} ${table} ${column}`), `index ${name} on ${table} (${column})`);
    });
  });

  describe(`gatehouse purge (${backend.name})`, () => {
    const cleanup: (() => Promise<void>)[] = [];
    let env: Record<string, string>;
    let store: Store;
    before(async () => {
      env = await freshStoreEnv(backend, cleanup);
      store = await storeOf(env);
      cleanup.push(() => store.close());
    });
    after(async () => {
      for (const step of cleanup.reverse()) await step();
    });

    test('prints what it removed per table, and records that it ran in the audit trail', async () => {
      await seedDeadRows(store.db, 'cli-text-', 3);
      const result = await gatehouse(env, 'purge');
      assert.equal(result.code, 0, result.stderr);
      for (const table of TABLES) assert.match(result.stdout, new RegExp(`^${table} +3 deleted$`, 'm'));
      assert.match(result.stdout, /^setup_codes +0 deleted$/m);
      assert.equal(
        /SQLite file: [\d.]+ MiB \(\d+ % free\) -> [\d.]+ MiB \(0 % free\)/.test(result.stdout),
        backend.name === 'sqlite',
        result.stdout,
      );
      assert.deepEqual(await remaining(store.db, 'cli-text-'), inTables(0));
      const audited = await store.db
        .selectFrom('audit_events')
        .select(['actor_type', 'details'])
        .where('action', '=', 'store.purged')
        .execute();
      assert.equal(audited.length, 1);
      assert.equal(audited[0]!.actor_type, 'cli');
      assert.deepEqual(JSON.parse(audited[0]!.details), { deleted: each(3) });
    });

    test('--json prints one document with the counts (and, on SQLite, the file before and after)', async () => {
      await seedDeadRows(store.db, 'cli-json-', 5);
      const report = await gatehouseJson<PurgeReport>(env, 'purge');
      assert.deepEqual(report.deleted, each(5));
      if (backend.name === 'sqlite') {
        assert.deepEqual(Object.keys(report.sqlite!).sort(), ['after', 'before', 'converted']);
        assert.equal(report.sqlite!.after.freePages, 0);
        assert.equal(report.sqlite!.converted, false);
      } else {
        assert.equal(report.sqlite, undefined);
      }
      assert.deepEqual((await gatehouseJson<PurgeReport>(env, 'purge')).deleted, none);
    });

    test('two processes purging the same backlog at once both succeed and delete each row once', async () => {
      const perTable = 3 * PURGE_BATCH_SIZE + 7;
      await seedDeadRows(store.db, 'cli-twice-', perTable);
      const [first, second] = await Promise.all([gatehouseJson<PurgeReport>(env, 'purge'), gatehouseJson<PurgeReport>(env, 'purge')]);
      const sum = Object.fromEntries(TABLES.map((table) => [table, first.deleted[table] + second.deleted[table]]));
      assert.deepEqual(sum, inTables(perTable));
      assert.deepEqual(await remaining(store.db, 'cli-twice-'), inTables(0));
    });
  });

  describe(`purges by gatehouse serve (${backend.name})`, () => {
    const cleanup: (() => Promise<void>)[] = [];
    after(async () => {
      for (const step of cleanup.reverse()) await step();
    });

    test('the first purge comes soon after start, and the next at each interval', async () => {
      const env = await serveEnv(backend, cleanup, { GATEHOUSE_PURGE_INTERVAL: '1' });
      const store = await storeOf(env);
      cleanup.push(() => store.close());
      await seedDeadRows(store.db, 'at-start-', 3);
      const serve = await spawnServe(env, env.GATEHOUSE_ISSUER!);
      cleanup.push(() => serve.stop());
      const gone = (prefix: string) =>
        eventually(
          async () => total(await remaining(store.db, prefix)),
          (n) => n === 0,
          20_000,
        );
      assert.equal(await gone('at-start-'), 0, `rows left after start:\n${serve.output()}`);
      await seedDeadRows(store.db, 'later-', 3);
      assert.equal(await gone('later-'), 0, `rows left at the next interval:\n${serve.output()}`);
      assert.match(serve.output(), /purged expired records/);
    });
  });
}

/** A fresh store and everything `gatehouse serve` needs to listen on a free port. */
async function serveEnv(
  backend: Backend,
  cleanup: (() => Promise<void>)[],
  extra: Record<string, string> = {},
): Promise<Record<string, string>> {
  const port = await freePort();
  const env = {
    ...(await freshStoreEnv(backend, cleanup)),
    PORT: String(port),
    HOST: '127.0.0.1',
    GATEHOUSE_ISSUER: `http://127.0.0.1:${port}`,
    ...extra,
  };
  const migrated = await gatehouse(env, 'migrate');
  assert.equal(migrated.code, 0, migrated.stderr);
  return env;
}

describe('a purge that fails is logged and the server goes on (sqlite: another process holds the write lock)', () => {
  const cleanup: (() => Promise<void>)[] = [];
  after(async () => {
    for (const step of cleanup.reverse()) await step();
  });

  test('the failure is logged, the server answers, and the next purge after the lock is released does the work', async () => {
    const env = await serveEnv({ name: 'sqlite' }, cleanup, { GATEHOUSE_PURGE_INTERVAL: '1', GATEHOUSE_DB_WRITE_TIMEOUT_MS: '1000' });
    const serve = await spawnServe(env, env.GATEHOUSE_ISSUER!);
    cleanup.push(() => serve.stop());
    const locker = new BetterSqlite3(join(env.GATEHOUSE_DATA_DIR!, 'gatehouse.sqlite'));
    cleanup.push(async () => void locker.close());
    locker.exec('begin immediate');
    const failed = await eventually(
      async () => serve.output(),
      (output) => /purging expired records failed/.test(output),
      20_000,
    );
    locker.exec('commit');
    assert.match(failed, /"msg":"purging expired records failed; trying again at the next interval"/);
    // The purge's writes waited for the lock on the writer thread (until the write timeout, or SQLite's busy handler).
    assert.match(failed, /database is locked|the write did not finish in time/);
    assert.equal(serve.child.exitCode, null, 'the server is still running');
    assert.equal((await fetch(`${serve.url}/health`)).status, 200);
    const store = await storeOf(env);
    cleanup.push(() => store.close());
    await seedDeadRows(store.db, 'after-lock-', 2);
    assert.equal(
      await eventually(
        async () => total(await remaining(store.db, 'after-lock-')),
        (n) => n === 0,
        20_000,
      ),
      0,
      serve.output(),
    );
  });
});

if (requirePostgresCluster()) {
  describe('a purge that fails is logged and the server goes on (postgres: the server stopped)', () => {
    const cleanup: (() => Promise<void>)[] = [];
    after(async () => {
      for (const step of cleanup.reverse()) await step();
    });

    test('the failure is logged, the process stays up, and purging resumes when PostgreSQL is back', async () => {
      const cluster = await startPostgresCluster();
      cleanup.push(() => cluster.close());
      const databaseUrl = await cluster.createDatabase('gatehouse_purge');
      // A data dir for the master key; the store is the private cluster's database.
      const env = await serveEnv({ name: 'sqlite' }, cleanup, { DATABASE_URL: databaseUrl, GATEHOUSE_PURGE_INTERVAL: '1' });
      const serve = await spawnServe(env, env.GATEHOUSE_ISSUER!);
      cleanup.push(() => serve.stop());
      await cluster.stop('fast');
      const failed = await eventually(
        async () => serve.output(),
        (output) => /purging expired records failed/.test(output),
        20_000,
      );
      assert.match(failed, /"msg":"purging expired records failed; trying again at the next interval"/);
      assert.equal(serve.child.exitCode, null, `the server is still running:\n${serve.output()}`);
      await cluster.start();
      const store = await storeOf(env);
      cleanup.push(() => store.close());
      await seedDeadRows(store.db, 'after-outage-', 2);
      assert.equal(
        await eventually(
          async () => total(await remaining(store.db, 'after-outage-')),
          (n) => n === 0,
          20_000,
        ),
        0,
        serve.output(),
      );
      assert.equal(serve.child.exitCode, null);
    });
  });
}

describe('SQLite gives purged space back', () => {
  const cleanup: (() => Promise<void>)[] = [];
  after(async () => {
    for (const step of cleanup.reverse()) await step();
  });

  test('gatehouse purge switches a file made without incremental auto-vacuum, shrinking it', async () => {
    const env = await freshStoreEnv({ name: 'sqlite' }, cleanup);
    const file = join(env.GATEHOUSE_DATA_DIR!, 'gatehouse.sqlite');
    const store = await storeOf(env);
    await seedDeadRows(store.db, 'space-', 5000);
    await store.close();
    // As a store created before Gatehouse set auto_vacuum is.
    const direct = new BetterSqlite3(file);
    direct.pragma('auto_vacuum = NONE');
    direct.exec('vacuum');
    assert.equal(direct.pragma('auto_vacuum', { simple: true }), 0);
    direct.close();

    const report = await gatehouseJson<PurgeReport>(env, 'purge');
    assert.deepEqual(report.deleted, each(5000));
    const { before: full, after: reclaimed, converted } = report.sqlite!;
    assert.equal(full.autoVacuum, 'none');
    assert.equal(converted, true);
    assert.equal(reclaimed.autoVacuum, 'incremental');
    assert.equal(reclaimed.freePages, 0);
    assert.ok(reclaimed.fileBytes < full.fileBytes / 4, `the file shrank from ${full.fileBytes} to ${reclaimed.fileBytes} bytes`);

    // From now on a purge gives space back without rewriting the file.
    const again = await storeOf(env);
    await seedDeadRows(again.db, 'space-again-', 5000);
    await again.close();
    const next = await gatehouseJson<PurgeReport>(env, 'purge');
    assert.equal(next.sqlite!.converted, false);
    assert.equal(next.sqlite!.after.freePages, 0);
    assert.ok(
      next.sqlite!.after.pageCount < next.sqlite!.before.pageCount / 4,
      `${next.sqlite!.before.pageCount} -> ${next.sqlite!.after.pageCount} pages`,
    );
  });

  test('a server purge gives space back without any command, in a store created by this version', async () => {
    const env = await freshStoreEnv({ name: 'sqlite' }, cleanup);
    const gatehouseInstance = await createGatehouse(loadConfig(env));
    cleanup.push(() => gatehouseInstance.close());
    await seedDeadRows(gatehouseInstance.store.db, 'server-space-', 5000);
    const { sqlite } = await gatehouseInstance.purgeExpired();
    assert.equal(sqlite!.before.autoVacuum, 'incremental');
    assert.equal(sqlite!.converted, false);
    assert.equal(sqlite!.after.freePages, 0);
    assert.ok(sqlite!.after.pageCount < sqlite!.before.pageCount / 4, `${sqlite!.before.pageCount} -> ${sqlite!.after.pageCount} pages`);
  });
});
