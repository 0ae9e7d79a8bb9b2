import type { Store } from './database.js';

const KEY = { clients: 'client_id', users: 'id', roles: 'name', apis: 'identifier' } as const;

/** How many rows of `table` the tenant has, besides those whose key is in `except` (its quotas count them). */
export async function countOfTenant(
  store: Store,
  table: keyof typeof KEY,
  tenant: string,
  except: readonly string[] = [],
): Promise<number> {
  let query = store.db
    .selectFrom(table)
    .select((eb) => eb.fn.countAll().as('n'))
    .where('tenant_id', '=', tenant);
  if (except.length > 0) query = query.where(KEY[table], 'not in', except);
  const row = await query.executeTakeFirstOrThrow();
  return Number(row.n);
}
