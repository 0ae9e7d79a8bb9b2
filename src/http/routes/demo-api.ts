import type { FastifyInstance } from 'fastify';
import type { Gatehouse } from '../../gatehouse.js';
import { accessTokenAuthentication, bearerAuth, principalOf } from '../bearer-auth.js';

export const DEMO_READ_SCOPE = 'demo:read';

const claimsSchema = {
  type: 'object',
  properties: { sub: { type: 'string' }, client_id: { type: 'string' }, scope: { type: 'string' } },
  required: ['sub', 'client_id', 'scope'],
} as const;
const bearerError = {
  type: 'object',
  properties: { error: { type: 'string' }, error_description: { type: 'string' }, message: { type: 'string' } },
} as const;

/**
 * A small protected API, to try tokens against and to show how a resource server uses `verifyAccessToken`. Being
 * in-process it also sees revocations at once; an external API would use introspection for that.
 */
export async function demoApiRoutes(app: FastifyInstance, gatehouse: Gatehouse): Promise<void> {
  await app.register(bearerAuth, { realm: 'gatehouse-demo', authenticate: accessTokenAuthentication(gatehouse) });

  const responses = { 400: bearerError, 401: bearerError, 403: bearerError };
  app.get(
    '/api/demo/whoami',
    {
      schema: {
        summary: 'Who the token speaks for',
        tags: ['demo'],
        security: [{ bearer: [] }, { oauth2: [] }],
        response: { 200: claimsSchema, ...responses },
      },
    },
    async (request) => {
      const claims = principalOf(request);
      return { sub: claims.sub, client_id: claims.client_id, scope: claims.scope ?? '' };
    },
  );
  app.get(
    '/api/demo/items',
    {
      config: { requiredScopes: [DEMO_READ_SCOPE] },
      schema: {
        summary: `Sample data; needs the ${DEMO_READ_SCOPE} scope`,
        tags: ['demo'],
        security: [{ bearer: [DEMO_READ_SCOPE] }, { oauth2: [DEMO_READ_SCOPE] }],
        response: {
          200: {
            type: 'object',
            properties: {
              items: { type: 'array', items: { type: 'object', properties: { id: { type: 'integer' }, name: { type: 'string' } } } },
            },
          },
          ...responses,
        },
      },
    },
    async () => ({
      items: [
        { id: 1, name: 'Gate key' },
        { id: 2, name: 'Visitor badge' },
        { id: 3, name: 'Lantern' },
      ],
    }),
  );
}
