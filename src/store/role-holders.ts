import { nowSeconds } from '../ports/clock.js';
import type { Store } from './database.js';
import { fromJsonList, toJsonList } from './json-list.js';

/** The tables whose rows hold roles (a JSON list in `roles`), by the column that names a row. */
const KEY = { users: 'id', clients: 'client_id' } as const;

export type RoleHoldingTable = keyof typeof KEY;

/**
 * The tenant's rows of `table` that hold `role`, disabled or revoked ones too, with their roles, by key. The LIKE is a cheap
 * filter on the JSON text; the list itself decides (a role's name may be part of another's).
 */
async function rowsHolding(store: Store, table: RoleHoldingTable, tenant: string, role: string) {
  const rows = await store.db
    .selectFrom(table)
    .select([`${KEY[table]} as key`, 'roles'])
    .where('tenant_id', '=', tenant)
    .where('roles', 'like', `%${JSON.stringify(role)}%`)
    // One order on both databases, so the audit event and the answer list the holders alike every time.
    .orderBy(KEY[table])
    .execute();
  return rows.map((row) => ({ key: String(row.key), roles: fromJsonList(row.roles) })).filter((row) => row.roles.includes(role));
}

/** The keys (user ids, client ids) of the tenant's rows of `table` that hold `role`. */
export async function holdersOf(store: Store, table: RoleHoldingTable, tenant: string, role: string): Promise<string[]> {
  return (await rowsHolding(store, table, tenant, role)).map((row) => row.key);
}

/**
 * Takes `role` from every row of `table` of the tenant that holds it (a deleted role); returns their keys. Run in the
 * transaction that deletes the role, so no row is left naming a role that a new one of that name would bring back.
 */
export async function removeRoleFromAll(store: Store, table: RoleHoldingTable, tenant: string, role: string): Promise<string[]> {
  const holders = await rowsHolding(store, table, tenant, role);
  for (const row of holders) {
    await store.db
      .updateTable(table)
      .set({ roles: toJsonList(row.roles.filter((held) => held !== role)), updated_at: nowSeconds() })
      .where('tenant_id', '=', tenant)
      .where(KEY[table], '=', row.key)
      .execute();
  }
  // Cached client and user records (token issuing, the admin API) must see the change at once.
  if (holders.length > 0) await store.announceChange();
  return holders.map((row) => row.key);
}
