/**
 * Bytes the store keeps per refresh-token rotation (issue 8, item 7): one family rotated ROTATIONS times, then the
 * growth of the refresh_tokens table (with its indexes) divided by the rotations. SQLite also reports the whole
 * file (page_count * page_size), PostgreSQL pg_total_relation_size. Run: node dist/bench/refresh-storage.js
 * (PostgreSQL too when TEST_DATABASE_URL is set).
 */
import { sql } from 'kysely';
import { backends } from '../test/helpers/backends.js';
import { authorize, createAlice, FULL_SCOPE, refresh, type Tokens, tokensFor, webApp } from '../test/helpers/code-flow.js';
import { startTestServer } from '../test/helpers/server.js';

const ROTATIONS = Number(process.env.ROTATIONS ?? 2000);

for (const backend of backends()) {
  const server = await startTestServer(backend);
  try {
    await createAlice(server);
    const app = await webApp(server);
    const { db } = server.server.gatehouse.store;
    const sizes = async () => {
      if (backend.name === 'postgres') {
        await sql`vacuum analyze refresh_tokens`.execute(db);
        const { rows } = await sql<{
          table: string;
          file: string;
        }>`select pg_total_relation_size('refresh_tokens') as table, pg_database_size(current_database()) as file`.execute(db);
        return { table: Number(rows[0]!.table), file: Number(rows[0]!.file) };
      }
      const { rows } = await sql<{
        table: number;
      }>`select coalesce(sum(pgsize), 0) as "table" from dbstat where name = 'refresh_tokens' or name in (select name from sqlite_master where tbl_name = 'refresh_tokens' and type = 'index')`.execute(
        db,
      );
      const pages = await sql<{ file: number }>`select page_count * page_size as file from pragma_page_count, pragma_page_size`.execute(db);
      return { table: Number(rows[0]!.table), file: Number(pages.rows[0]!.file) };
    };
    let tokens: Tokens = await tokensFor(server, app, await authorize(server, { clientId: app.clientId, scope: FULL_SCOPE }));
    const before = await sizes();
    for (let i = 0; i < ROTATIONS; i++) {
      const answer = await refresh(server, app, tokens.refresh_token!);
      if (answer.status !== 200) throw new Error(`rotation ${i} failed: ${answer.text}`);
      tokens = answer.body as Tokens;
    }
    const after = await sizes();
    const per = (key: 'table' | 'file') => Math.round((after[key] - before[key]) / ROTATIONS);
    console.log(
      `${backend.name}: ${ROTATIONS} rotations, refresh_tokens ${per('table')} B/rotation, whole ${backend.name === 'sqlite' ? 'file' : 'database'} ${per('file')} B/rotation`,
    );
  } finally {
    await server.close();
  }
}
