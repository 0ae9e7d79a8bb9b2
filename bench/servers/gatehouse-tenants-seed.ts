/**
 * Prepares a Gatehouse store for the tenants scenario (bench/scenarios/tenants.ts), then exits, in the store the
 * environment names (GATEHOUSE_DATA_DIR, DATABASE_URL, GATEHOUSE_SECRET): the default tenant's keys and bench client,
 * a machine client of the platform with the admin role, BENCH_TENANTS tenants made one after another through the
 * platform's own path (TenantManagement.create: validation, one transaction with its audit event), and for the first
 * BENCH_ACTIVE_TENANTS of them the bench role and client, made through each tenant's management as its operator would
 * (which also makes the tenant's signing key). Prints one line of JSON (SeededTenants). The measured `gatehouse serve`
 * is then a fresh start on this store, with nothing of any tenant loaded.
 */

import { systemActor } from '../../src/admin/audit-log.js';
import { loadConfig } from '../../src/config.js';
import { createGatehouse } from '../../src/gatehouse.js';
import { createBenchClient } from '../lib/seed.js';

export interface SeededTenants {
  tenants: number;
  /** Wall time of creating all the tenants, one after another. */
  createMs: number;
  /** Wall time of giving the active tenants their role and client (their first use: keys made then). */
  clientsMs: number;
  /** The default tenant's bench client. */
  single: { clientId: string; clientSecret: string };
  /** The platform's machine client with gatehouse:admin, for GET /admin/tenants. */
  admin: { clientId: string; clientSecret: string };
  active: { tenant: string; clientId: string; clientSecret: string }[];
}

/** Tenant ids sort in creation order, so a page of the admin API's list is a known range. */
export const tenantId = (n: number) => `acct-${String(n).padStart(5, '0')}`;
export const tenantName = (n: number) => `Account ${String(n).padStart(5, '0')} Ltd`;

const count = (name: string, fallback: number) => {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a positive whole number`);
  return value;
};
const tenants = count('BENCH_TENANTS', 10_000);
const activeCount = Math.min(count('BENCH_ACTIVE_TENANTS', 1000), tenants);

const gatehouse = await createGatehouse(loadConfig(process.env));
try {
  await gatehouse.prepareKeys();
  await gatehouse.management.clients.ensureBuiltinClients();
  const single = await createBenchClient(gatehouse.management);
  const adminRole = await gatehouse.management.roles.ensureAdminRole();
  const { client: adminClient, clientSecret: adminSecret } = await gatehouse.management.clients.createClient(
    { name: 'bench platform operator', roles: [adminRole], grantTypes: ['client_credentials'] },
    systemActor(),
  );
  if (!adminSecret) throw new Error('the admin client was created without a secret');

  const createStarted = performance.now();
  for (let n = 1; n <= tenants; n++) {
    await gatehouse.platform.tenants.create({ id: tenantId(n), name: tenantName(n) }, systemActor());
  }
  const createMs = performance.now() - createStarted;

  const clientsStarted = performance.now();
  const active: SeededTenants['active'] = [];
  for (let n = 1; n <= activeCount; n++) {
    const tenant = tenantId(n);
    const services = await gatehouse.tenants.open(tenant);
    if (!services) throw new Error(`tenant ${tenant} was created but cannot be opened`);
    active.push({ tenant, ...(await createBenchClient(services.management)) });
  }
  const clientsMs = performance.now() - clientsStarted;

  const seeded: SeededTenants = {
    tenants,
    createMs,
    clientsMs,
    single,
    admin: { clientId: adminClient.client_id, clientSecret: adminSecret },
    active,
  };
  process.stdout.write(`${JSON.stringify(seeded)}\n`);
} finally {
  await gatehouse.close();
}
