import type { RecordCache } from '../ports/caches.js';
import type { Tenant } from '../ports/tenants.js';

/** The same record: reloaded after any change in the store, an unchanged one keeps its tenant's services. */
const sameRecord = (a: Tenant, b: Tenant): boolean => a === b || JSON.stringify(a) === JSON.stringify(b);

/**
 * Every tenant's services by id. Nothing is built for a tenant until a request or command names it; then its services
 * are built once (its signing keys made if it has none) and kept in a least-recently-used cache of
 * `limit` tenants, so a deployment with 10,000 tenants holds only those in use. The tenant's record comes from a cache
 * that follows the store's changes: a suspension or a change of settings is seen at the next request, which then gets
 * services built from the record as it now stands.
 */
export class TenantDirectory<S extends { tenant: Tenant }> {
  /**
   * Insertion order is recency: a hit moves its entry to the end, the first entry is the least recently used. Each
   * entry keeps the last record object found equal to the one its services were built from, so the content is
   * compared once per reload of the record (after a change anywhere in the store), not on every request.
   */
  private readonly built = new Map<string, { record: Tenant; services: Promise<S> }>();

  constructor(
    private readonly records: RecordCache<Tenant>,
    private readonly make: (tenant: Tenant) => Promise<S>,
    private readonly limit: number,
  ) {}

  /** Services built elsewhere (the default tenant's, at start) for the directory to hand out while their record holds. */
  seed(services: S): void {
    this.built.set(services.tenant.id, { record: services.tenant, services: Promise.resolve(services) });
  }

  /** The services of tenant `id` as its record now stands, suspended or not; undefined when there is no such tenant. */
  async open(id: string): Promise<S | undefined> {
    const tenant = await this.records.get(id);
    if (!tenant) {
      this.built.delete(id);
      return undefined;
    }
    const held = this.built.get(id);
    if (held) {
      this.built.delete(id);
      this.built.set(id, held);
      const services = await held.services.catch(() => undefined);
      if (services && sameRecord(held.record, tenant)) {
        held.record = tenant;
        return services;
      }
    }
    return this.build(tenant);
  }

  private build(tenant: Tenant): Promise<S> {
    const making = this.make(tenant);
    const entry = { record: tenant, services: making };
    this.built.delete(tenant.id);
    this.built.set(tenant.id, entry);
    // A failed build (the store unavailable) is not kept: the next request tries again.
    making.catch(() => {
      if (this.built.get(tenant.id) === entry) this.built.delete(tenant.id);
    });
    for (const oldest of this.built.keys()) {
      if (this.built.size <= this.limit) break;
      this.built.delete(oldest);
    }
    return making;
  }
}
