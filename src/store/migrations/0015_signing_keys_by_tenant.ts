import type { Kysely } from 'kysely';

/**
 * A tenant's keys are read by tenant (KeyStore, at its first request and at every rotation check): without an index
 * that read scans the signing keys of every tenant, a few per tenant and thousands of tenants. The unique index on
 * (tenant_id, alg) covers active keys only; retired keys stay published until their tokens have expired.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.createIndex('signing_keys_tenant').on('signing_keys').column('tenant_id').execute();
}
