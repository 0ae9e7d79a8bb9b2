import { InvalidTokenError } from '@gatehouse/resource';
import type { FastifyInstance } from 'fastify';
import type { Gatehouse } from '../../gatehouse.js';
import { DEMO_READ_SCOPE } from '../../management/builtins.js';
import { type Authenticate, accessTokenAuthentication, bearerAuth, principalOf, unverifiedIssuer } from '../bearer-auth.js';

const claimsSchema = {
  type: 'object',
  properties: { sub: { type: 'string' }, client_id: { type: 'string' }, scope: { type: 'string' }, tenant: { type: 'string' } },
  required: ['sub', 'client_id', 'scope'],
} as const;
const bearerError = {
  type: 'object',
  properties: { error: { type: 'string' }, error_description: { type: 'string' }, message: { type: 'string' } },
} as const;

/**
 * The platform's API takes the tokens of every active tenant, each checked by its own tenant's issuer, keys, default
 * audience and revocations: the token's `iss` only says which tenant's rules to apply, then those rules decide. A token
 * of an unknown or suspended tenant, or no JWT at all, is refused as the default tenant would refuse it.
 */
function everyTenantsToken(gatehouse: Gatehouse): Authenticate {
  return async (token, request) => {
    const issuer = unverifiedIssuer(token);
    const id = issuer === undefined ? null : gatehouse.routing.tenantOfIssuer(issuer);
    const tenant = id === null || id === gatehouse.tenant.id ? gatehouse : await gatehouse.tenants.open(id);
    if (!tenant) throw new InvalidTokenError('the token was not issued by any tenant of this server');
    if (tenant.tenant.status === 'suspended') throw new InvalidTokenError("the token's tenant is suspended");
    return accessTokenAuthentication(tenant)(token, request);
  };
}

/**
 * A small protected API, to try tokens against and to show how a resource server uses `verifyAccessToken`. Being
 * in-process it also sees revocations at once; an external API would use introspection for that.
 */
export async function demoApiRoutes(app: FastifyInstance, gatehouse: Gatehouse): Promise<void> {
  await app.register(bearerAuth, { realm: 'gatehouse-demo', authenticate: everyTenantsToken(gatehouse) });

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
      return {
        sub: claims.sub,
        client_id: claims.client_id,
        scope: claims.scope ?? '',
        ...(claims.tenant ? { tenant: claims.tenant } : {}),
      };
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
