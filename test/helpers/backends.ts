import { test } from 'node:test';

/** A database the suites run against: always SQLite, and PostgreSQL when TEST_DATABASE_URL or DATABASE_URL names one. */
export interface Backend {
  name: 'sqlite' | 'postgres';
  /** Server URL of a PostgreSQL where each test server creates its own database. */
  postgresUrl?: string;
}

export const postgresUrl = process.env.TEST_DATABASE_URL || process.env.DATABASE_URL || undefined;
const requireAll = process.env.REQUIRE_ALL_SUITES === '1';

/**
 * The backends to run a suite on. Without PostgreSQL its suites are reported as skipped, loudly, or fail outright
 * under REQUIRE_ALL_SUITES=1 (CI), so a missing database can never pass for a green run.
 */
export function backends(): Backend[] {
  const list: Backend[] = [{ name: 'sqlite' }];
  if (postgresUrl) {
    list.push({ name: 'postgres', postgresUrl });
  } else if (requireAll) {
    test('postgres suite', () => {
      throw new Error('REQUIRE_ALL_SUITES=1 but neither TEST_DATABASE_URL nor DATABASE_URL is set');
    });
  } else {
    test('postgres suite', { skip: 'SKIPPED: no PostgreSQL (set TEST_DATABASE_URL, or run scripts/with-postgres.sh npm test)' }, () => {});
  }
  return list;
}
