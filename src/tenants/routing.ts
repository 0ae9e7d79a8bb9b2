import { DEFAULT_TENANT, TENANT_ID_RULE } from '../ports/tenants.js';

/**
 * Where each tenant's issuer is. The default tenant is GATEHOUSE_ISSUER itself (so an existing deployment keeps its
 * issuer, and every token and client registered under it). Other tenants are `{issuer}/t/{id}` (path routing, which
 * works on localhost with no DNS) or, with GATEHOUSE_TENANT_HOSTS, `{scheme}://{id}.{domain}[:port]{path}`.
 */
export class TenantRouting {
  private readonly base: URL;

  constructor(
    private readonly defaultIssuer: string,
    /** The domain of host routing, undefined for path routing. */
    readonly hostDomain: string | undefined,
  ) {
    this.base = new URL(defaultIssuer);
  }

  /** The path prefix under which path-routed tenants' endpoints are registered. */
  static readonly PATH_PREFIX = '/t/:tenant';

  issuerOf(tenantId: string): string {
    if (tenantId === DEFAULT_TENANT) return this.defaultIssuer;
    if (this.hostDomain === undefined) return `${this.defaultIssuer}/t/${tenantId}`;
    const port = this.base.port ? `:${this.base.port}` : '';
    return `${this.base.protocol}//${tenantId}.${this.hostDomain}${port}${this.base.pathname.replace(/\/+$/, '')}`;
  }

  /**
   * The tenant a request to `hostname` (no port) is for under host routing: the label before the domain when it is a
   * tenant id, null when the host is under the domain but names no possible tenant (answered 404), and the default
   * tenant for any other host (the operator's own).
   */
  tenantOfHost(hostname: string): string | null {
    const suffix = `.${this.hostDomain}`;
    const host = hostname.toLowerCase();
    if (this.hostDomain === undefined || !host.endsWith(suffix)) return DEFAULT_TENANT;
    const label = host.slice(0, -suffix.length);
    // The default tenant has one issuer, the root: `default.{domain}` is no second name for it.
    return TENANT_ID_RULE.test(label) && label !== DEFAULT_TENANT ? label : null;
  }

  /**
   * The tenant whose issuer `issuer` is, or null when it is no tenant's: the inverse of issuerOf, so that an API serving
   * every tenant (the demo API) picks the keys and rules of the tenant a token names, and of no other.
   */
  tenantOfIssuer(issuer: string): string | null {
    if (issuer === this.defaultIssuer) return DEFAULT_TENANT;
    const id =
      this.hostDomain === undefined
        ? issuer.startsWith(`${this.defaultIssuer}/t/`) && issuer.slice(`${this.defaultIssuer}/t/`.length)
        : (() => {
            try {
              return this.tenantOfHost(new URL(issuer).hostname);
            } catch {
              return null;
            }
          })();
    return id && id !== DEFAULT_TENANT && TENANT_ID_RULE.test(id) && this.issuerOf(id) === issuer ? id : null;
  }
}
