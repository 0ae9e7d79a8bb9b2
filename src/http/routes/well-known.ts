import type { FastifyInstance } from 'fastify';
import type { Gatehouse } from '../../gatehouse.js';
import { ENDPOINT_PATHS, serverMetadata } from '../../oauth/discovery.js';

// Browser apps read these from other origins; they hold nothing secret.
const PUBLIC_JSON = { 'access-control-allow-origin': '*', 'cross-origin-resource-policy': 'cross-origin' };

/** Discovery (RFC 8414, OpenID Connect Discovery 1.0) and the JWKS. */
export async function wellKnownRoutes(app: FastifyInstance, gatehouse: Gatehouse): Promise<void> {
  const metadata = serverMetadata({ issuer: gatehouse.config.issuer, grantTypes: gatehouse.tokenEndpoint.grantTypes });
  const discovery = { schema: { summary: 'Authorization server metadata', tags: ['discovery'] } };
  for (const url of ['/.well-known/openid-configuration', '/.well-known/oauth-authorization-server']) {
    app.get(url, discovery, async (_request, reply) => {
      reply.headers({ ...PUBLIC_JSON, 'cache-control': 'public, max-age=300' });
      return metadata;
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
    async (_request, reply) => {
      // Short, so resource servers see a rotation soon; they also refetch on an unknown kid.
      reply.headers({ ...PUBLIC_JSON, 'cache-control': 'public, max-age=60' });
      return gatehouse.keys.jwks();
    },
  );
}
