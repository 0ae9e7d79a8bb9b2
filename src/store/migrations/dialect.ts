import { type Kysely, SqliteAdapter } from 'kysely';

/** Which database a migration runs on, where the two need different SQL (types, table options, catalogues). */
export const isSqlite = (db: Kysely<any>): boolean => db.getExecutor().adapter instanceof SqliteAdapter;
