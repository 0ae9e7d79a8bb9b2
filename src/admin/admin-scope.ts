import { InsufficientScopeError, InvalidTokenError } from '@gatehouse/resource';
import type { FastifyInstance, FastifyRequest, FastifySchema } from 'fastify';
import type { TenantGatehouse } from '../gatehouse.js';
import { type Authenticate, accessTokenAuthentication, bearerAuth, principalOf } from '../http/bearer-auth.js';
import { answerErrors, type ErrorAnswering } from '../http/errors.js';
import { ADMIN_SCOPE } from '../management/builtins.js';
import { ManagementError } from '../management/validation.js';
import type { Actor } from './audit-log.js';
import { adminError, adminSecurity, PATTERN_WORDS } from './schemas.js';

/** The tenant whose admin API a request is for: its tokens, its users and clients decide who may call it. */
export type AdminTenantOf = (request: FastifyRequest) => TenantGatehouse;

const STATUS: Record<ManagementError['kind'], number> = { invalid: 400, not_found: 404, conflict: 409 };
const ERROR_CODE: Record<ManagementError['kind'], string> = { invalid: 'invalid_request', not_found: 'not_found', conflict: 'conflict' };

const managementError: ErrorAnswering['domainError'] = (error) =>
  error instanceof ManagementError
    ? {
        status: STATUS[error.kind],
        body: {
          error: ERROR_CODE[error.kind],
          error_description: error.message,
          ...(error.field === undefined ? {} : { field: error.field }),
        },
      }
    : undefined;

/**
 * An access token of the request's tenant (its issuer, its default audience, its keys, not revoked) with
 * gatehouse:admin, whose holder still holds it now. The scope in the token is what was allowed when it was issued;
 * admin power must follow demotions at once (RFC 9700 §2.3: least privilege). A token of another tenant fails the
 * issuer check: 401 invalid_token (RFC 6750 §3.1), before anything of this tenant is read.
 */
function adminAuthentication(tenantOf: AdminTenantOf): Authenticate {
  return async (token, request) => {
    const tenant = tenantOf(request);
    const claims = await accessTokenAuthentication(tenant, [ADMIN_SCOPE])(token, request);
    if (claims.auth_time !== undefined) {
      const user = await tenant.findUser(claims.sub);
      if (!user || user.disabledAt !== null) throw new InvalidTokenError('the user is no longer active');
      if (!(await tenant.roleScopesOf(user.id)).has(ADMIN_SCOPE)) throw new InsufficientScopeError([ADMIN_SCOPE]);
    } else {
      // A machine client's token (client_credentials): the client itself is the holder.
      const resolved = await tenant.directory.find(claims.client_id);
      if (!resolved || resolved.client.revokedAt !== null) throw new InvalidTokenError('the client is no longer active');
      if (!resolved.allowedScopes.has(ADMIN_SCOPE)) throw new InsufficientScopeError([ADMIN_SCOPE]);
    }
    return claims;
  };
}

/**
 * What every admin route shares, set up in the registering plugin for the routes registered after it: the bearer
 * token checked against `tenantOf`'s tenant (realm gatehouse-admin), management errors as `{error,
 * error_description}` with their status, and `Cache-Control: no-store` on every answer (they carry secrets and
 * personal data).
 */
export async function adminScope(app: FastifyInstance, tenantOf: AdminTenantOf): Promise<void> {
  await app.register(bearerAuth, { realm: 'gatehouse-admin', authenticate: adminAuthentication(tenantOf) });
  answerErrors(app, { domainError: managementError, describedValidation: { patterns: PATTERN_WORDS } });
  app.addHook('onSend', async (_request, reply) => {
    reply.header('cache-control', 'no-store');
  });
}

/** Who made a change through the admin API, for the audit log. */
export const actorOf = (request: FastifyRequest): Actor => {
  const principal = principalOf(request);
  return { actor: principal.sub, actor_type: principal.auth_time === undefined ? 'client' : 'user', ip: request.ip };
};

/** The refusals every admin route may answer, documented with the field they name. */
const ERROR_RESPONSES = { 400: adminError, 404: adminError, 409: adminError } as const;

/** An admin route's options: its schema, documented under the admin tag and the admin scope, with its refusals. */
export const adminRoute = <Schema extends FastifySchema>(schema: Schema) => ({
  schema: {
    tags: ['admin'],
    security: adminSecurity,
    ...schema,
    response: { ...ERROR_RESPONSES, ...(schema.response as object | undefined) },
  },
});
