import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import type { Store } from '../src/store/database.js';
import { backends } from './helpers/backends.js';
import { startTestServer, type TestServer } from './helpers/server.js';
import { CHALLENGE, assertInteraction, authorizePath } from './helpers/authorize.js';

/** Every row of every table, and the bytes the tables take (SQLite pages in use; PostgreSQL relations with indexes). */
async function footprint(store: Store): Promise<{ rows: number; bytes: number }> {
  const tables = (await store.db.introspection.getTables()).map((table) => table.name).filter((name) => !name.startsWith('gatehouse_migrations'));
  let rows = 0;
  for (const table of tables) {
    const { count } = (await sql<{ count: number | string }>`select count(*) as count from ${sql.table(table)}`.execute(store.db)).rows[0]!;
    rows += Number(count);
  }
  const bytes =
    store.dialect === 'sqlite'
      ? Number((await sql<{ bytes: number }>`select page_count * page_size as bytes from pragma_page_count(), pragma_page_size()`.execute(store.db)).rows[0]!.bytes)
      : Number(
          (
            await sql<{ bytes: string }>`select coalesce(sum(pg_total_relation_size(c.oid)), 0) as bytes from pg_class c
              join pg_namespace n on n.oid = c.relnamespace where n.nspname = current_schema() and c.relkind = 'r'`.execute(store.db)
          ).rows[0]!.bytes,
        );
  return { rows, bytes };
}

/**
 * Issue 8 item 6: a pending authorization request lives in the browser that made it (an encrypted, integrity-protected
 * cookie), not in the database, until the user has signed in or consented — so anyone can send requests without
 * making the store grow.
 */
for (const backend of backends()) {
  describe(`pending authorization requests (${backend.name})`, () => {
    let server: TestServer;
    let loopback: { clientId: string };

    before(async () => {
      server = await startTestServer(backend);
      loopback = await server.createClient({ public: true, redirectUris: ['http://127.0.0.1/callback'] });
    });
    after(() => server.close());

    test('1,000 unauthenticated GETs /oauth2/authorize write no row and do not grow the database', async () => {
      const { store } = server.server.gatehouse;
      const path = authorizePath({
        client_id: loopback.clientId, redirect_uri: 'http://127.0.0.1:4242/callback', response_type: 'code', scope: 'openid', state: 'x'.repeat(43),
        code_challenge: CHALLENGE, code_challenge_method: 'S256',
      });
      const first = await fetch(`${server.url}${path}`, { redirect: 'manual' });
      assertInteraction(first, 'login');
      const before = await footprint(store);
      const requests = 1000;
      for (let sent = 0; sent < requests; sent += 20) {
        const answers = await Promise.all(Array.from({ length: 20 }, () => fetch(`${server.url}${path}`, { redirect: 'manual' })));
        for (const answer of answers) assertInteraction(answer, 'login');
      }
      const afterwards = await footprint(store);
      const grown = { rows: afterwards.rows - before.rows, bytes: afterwards.bytes - before.bytes };
      console.log(`${backend.name}: ${requests} unauthenticated authorization requests added ${grown.rows} rows and ${grown.bytes} bytes`);
      assert.deepEqual(grown, { rows: 0, bytes: 0 });
    });
  });
}

