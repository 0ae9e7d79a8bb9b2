import type { Store } from './database.js';

/** How many rows of `table` the tenant has (its quotas count them). */
export async function countOfTenant(store: Store, table: 'clients' | 'users' | 'roles' | 'apis', tenant: string): Promise<number> {
  const row = await store.db
    .selectFrom(table)
    .select((eb) => eb.fn.countAll().as('n'))
    .where('tenant_id', '=', tenant)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}
