import { Kysely, PostgresDialect, sql } from 'kysely';
import type { Database } from './schema.js';
import { measure, type Store } from './database.js';
import { migrateToLatest } from './migrations.js';

const CHANNEL = 'gatehouse_changes';

const int8AsNumber = (value: string) => Number(value);

export async function openPostgres(databaseUrl: string): Promise<Store> {
  const { default: pg } = await import('pg');
  const types = {
    getTypeParser: (oid: number, format?: 'text' | 'binary') =>
      oid === pg.types.builtins.INT8 ? int8AsNumber : pg.types.getTypeParser(oid, format as 'text'),
  };
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 10, types });
  // An idle client that errors (server restart) must not crash the process; the pool replaces it.
  pool.on('error', () => {});
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });

  let counter = 0;
  let listening = false;
  let closed = false;
  let listener: import('pg').Client | undefined;
  let retry: NodeJS.Timeout | undefined;

  const listen = async () => {
    const client = new pg.Client({ connectionString: databaseUrl, types });
    client.on('notification', () => {
      counter += 1;
    });
    client.on('error', () => {
      listening = false;
      client.end().catch(() => {});
      scheduleListen();
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${CHANNEL}`);
      listener = client;
      listening = true;
      counter += 1; // anything may have changed while we were not listening
    } catch {
      client.end().catch(() => {});
      scheduleListen();
    }
  };
  const scheduleListen = () => {
    if (closed || retry) return;
    retry = setTimeout(() => {
      retry = undefined;
      void listen();
    }, 1000);
    retry.unref();
  };
  await listen();

  return {
    db,
    dialect: 'postgres',
    writeTransaction: (work) => db.transaction().execute(work),
    // Kysely's migrator takes an advisory lock on PostgreSQL.
    migrate: () => migrateToLatest(db),
    // While the listener is down nothing can be trusted to be fresh: every call is a new generation.
    generation: () => (listening ? counter : ++counter),
    announceChange: async () => {
      counter += 1;
      await sql`select pg_notify(${CHANNEL}, '')`.execute(db);
    },
    health: () => measure('postgres', db),
    close: async () => {
      closed = true;
      if (retry) clearTimeout(retry);
      await listener?.end().catch(() => {});
      await db.destroy();
    },
  };
}
