import { PLATFORM_DEFINITIONS } from '../ports/tenants.js';

/** The tenants whose roles and APIs a tenant reads: its own and the platform's (the platform's own reads only those). */
export const visibleTenants = (tenant: string): string[] => (tenant === PLATFORM_DEFINITIONS ? [tenant] : [tenant, PLATFORM_DEFINITIONS]);

/**
 * One row per name, in name order: where a tenant has its own row and the platform has one of the same name, the
 * tenant's own.
 */
export function ownBeforePlatform<R extends { tenant_id: string }>(rows: readonly R[], name: (row: R) => string): R[] {
  const byName = new Map<string, R>();
  for (const row of rows) {
    const held = byName.get(name(row));
    if (!held || held.tenant_id === PLATFORM_DEFINITIONS) byName.set(name(row), row);
  }
  return [...byName.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, row]) => row);
}
