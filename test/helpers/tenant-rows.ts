import type { Store } from '../../src/store/database.js';

/**
 * Every row the tenant owns, in every table that has a `tenant_id` (found from the database's own catalogue, so a
 * table added later is covered), plus its tenants row: a snapshot to compare before and after, as sorted JSON lines.
 */
export async function tenantRows(store: Store, tenant: string): Promise<Record<string, string[]>> {
  const snapshot: Record<string, string[]> = {};
  const tables = (await store.db.introspection.getTables()).filter((table) => table.columns.some((column) => column.name === 'tenant_id'));
  for (const { name } of tables) {
    const rows = await store.db
      .selectFrom(name as 'clients')
      .selectAll()
      .where('tenant_id', '=', tenant)
      .execute();
    snapshot[name] = rows.map((row) => JSON.stringify(row)).sort();
  }
  const record = await store.db.selectFrom('tenants').selectAll().where('id', '=', tenant).execute();
  snapshot.tenants = record.map((row) => JSON.stringify(row));
  return snapshot;
}
