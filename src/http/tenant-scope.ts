import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Gatehouse, TenantGatehouse } from '../gatehouse.js';
import { OAuthError } from '../oauth/errors.js';
import { DEFAULT_TENANT, TENANT_ID_RULE } from '../ports/tenants.js';
import { TenantRouting } from '../tenants/routing.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The services of the tenant this request is for, resolved once by `resolveTenants`; null outside tenant routes. */
    tenant: TenantGatehouse | null;
  }
  interface FastifyContextConfig {
    /** The route serves every tenant (registerPerTenant); the others serve the default tenant only. */
    perTenant?: boolean;
  }
}

/**
 * Makes every route registered after it in `app` serve one tenant per request: under the `/t/:tenant` prefix the
 * tenant the path names, at the root the tenant of the Host under GATEHOUSE_TENANT_HOSTS, else the default tenant.
 * Resolved once, here, and passed to the handlers as `request.tenant`. An unknown tenant is a 404 and a suspended one
 * a 403, answered before any handler runs, so no other tenant's answer can stand in for it.
 */
function resolveTenants(app: FastifyInstance, gatehouse: Gatehouse, pathRouted: boolean): void {
  const { routing, tenants } = gatehouse;
  app.addHook('onRequest', async (request) => {
    const id = pathRouted ? pathTenant(request, routing) : routing.tenantOfHost(request.hostname);
    const services = id === null ? undefined : await tenants.open(id);
    if (!services) throw new OAuthError('invalid_request', 'there is no such tenant here', { status: 404 });
    if (services.tenant.status === 'suspended') throw new OAuthError('access_denied', 'this account is suspended', { status: 403 });
    request.tenant = services;
  });
}

/**
 * The tenant the `/t/:tenant` path names; null when path routing is off (host routing gives each tenant one issuer,
 * its host), the path names the default tenant, whose one issuer is the root, or no tenant id at all (the same rule
 * as a host's, so a made-up segment costs no lookup).
 */
function pathTenant(request: FastifyRequest, routing: TenantRouting): string | null {
  const id = (request.params as { tenant?: string }).tenant;
  if (routing.hostDomain !== undefined || id === undefined || id === DEFAULT_TENANT || !TENANT_ID_RULE.test(id)) return null;
  return id;
}

/** The tenant of a route under `resolveTenants`; asked elsewhere it is a wiring mistake (a bare 500, logged). */
export function tenantOf(request: FastifyRequest): TenantGatehouse {
  if (request.tenant === null) throw new Error(`${request.routeOptions.url} is not under resolveTenants`);
  return request.tenant;
}

/**
 * The path under which the request's tenant is served on this host: `/t/{tenant}` under path routing, '' for the
 * default tenant and under host routing. Links and redirects of a tenant's pages start with it.
 */
export function tenantBasePath(request: FastifyRequest): string {
  const id = (request.params as { tenant?: string } | undefined)?.tenant;
  return id === undefined ? '' : `/t/${id}`;
}

/** The request's path and query relative to its tenant's issuer (without the `/t/{tenant}` of path routing). */
export function issuerRelativeTarget(request: FastifyRequest, pathAndQuery: string): string {
  const prefix = tenantBasePath(request);
  return pathAndQuery.startsWith(`${prefix}/`) ? pathAndQuery.slice(prefix.length) : pathAndQuery;
}

/** Registers `routes` at the root and, for every path-routed tenant, under `/t/:tenant`. */
export async function registerPerTenant(
  app: FastifyInstance,
  gatehouse: Gatehouse,
  routes: (app: FastifyInstance, gatehouse: Gatehouse) => Promise<void>,
): Promise<void> {
  for (const prefix of ['', TenantRouting.PATH_PREFIX]) {
    await app.register(
      async (scope) => {
        scope.addHook('onRoute', (route) => {
          route.config = { ...route.config, perTenant: true };
        });
        resolveTenants(scope, gatehouse, prefix !== '');
        await routes(scope, gatehouse);
      },
      { prefix },
    );
  }
}

/**
 * Under host routing, a tenant's host reaches only the routes that serve every tenant: the default tenant's pages,
 * console and admin API are not answered on `acme.auth.example.com` as if they were acme's.
 */
export function confineTenantHosts(app: FastifyInstance, routing: TenantRouting): void {
  if (routing.hostDomain === undefined) return;
  app.addHook('onRequest', async (request) => {
    if (request.routeOptions.config.perTenant !== true && routing.tenantOfHost(request.hostname) !== DEFAULT_TENANT) {
      throw new OAuthError('invalid_request', 'this path is not served on a tenant host', { status: 404 });
    }
  });
}
