import type { FastifyInstance } from 'fastify';
import type { TenantGatehouse } from '../../gatehouse.js';
import { ENDPOINT_PATHS, serverMetadata } from '../../oauth/discovery.js';
import { tenantOf } from '../tenant-scope.js';

// Browser apps read these from other origins; they hold nothing secret.
const PUBLIC_JSON = { 'access-control-allow-origin': '*', 'cross-origin-resource-policy': 'cross-origin' };

/** Discovery (RFC 8414, OpenID Connect Discovery 1.0) and the JWKS. */
export async function wellKnownRoutes(app: FastifyInstance): Promise<void> {
  // Built once per tenant's services: they are rebuilt when the tenant's record changes.
  const metadataOf = new WeakMap<TenantGatehouse, Record<string, unknown>>();
  const metadata = (tenant: TenantGatehouse) => {
    let built = metadataOf.get(tenant);
    if (!built) {
      built = serverMetadata({ issuer: tenant.config.issuer, grantTypes: tenant.tokenEndpoint.grantTypes });
      metadataOf.set(tenant, built);
    }
    return built;
  };
  const discovery = { schema: { summary: 'Authorization server metadata', tags: ['discovery'] } };
  for (const url of ['/.well-known/openid-configuration', '/.well-known/oauth-authorization-server']) {
    app.get(url, discovery, async (request, reply) => {
      reply.headers({ ...PUBLIC_JSON, 'cache-control': 'public, max-age=300' });
      return metadata(tenantOf(request));
    });
  }
  app.get(
    ENDPOINT_PATHS.jwks,
    {
      schema: {
        summary: 'Public signing keys (JWKS)',
        tags: ['discovery'],
        response: {
          200: { type: 'object', properties: { keys: { type: 'array', items: { type: 'object', additionalProperties: true } } } },
        },
      },
    },
    async (request, reply) => {
      // Short, so resource servers see a rotation soon; they also refetch on an unknown kid.
      reply.headers({ ...PUBLIC_JSON, 'cache-control': 'public, max-age=60' });
      return tenantOf(request).keys.jwks();
    },
  );
}
