import { InsufficientScopeError, InvalidTokenError, scopesOf } from '@gatehouse/resource';
import type { FastifyInstance, FastifyRequest, FastifySchema } from 'fastify';
import type { TenantGatehouse } from '../gatehouse.js';
import { type Authenticate, accessTokenAuthentication, bearerAuth, principalOf, unverifiedIssuer } from '../http/bearer-auth.js';
import { answerErrors, type ErrorAnswering } from '../http/errors.js';
import { ADMIN_SCOPE, MEMBER_SCOPE } from '../management/builtins.js';
import { ManagementError } from '../management/validation.js';
import { type AccountRole, roleCovers } from '../ports/members.js';
import type { Actor } from './audit-log.js';
import { adminError, adminSecurity, PATTERN_WORDS } from './schemas.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The least account role a member needs for the route (adminRoute); the tenant's own administrators need none. */
    access?: AccountRole;
  }
}

/** The account role of a request made by a member (memberAuthentication); absent for a tenant's own administrators. */
const memberRoles = new WeakMap<FastifyRequest, AccountRole>();

/** The tenant whose admin API a request is for: its tokens, its users and clients decide who may call it. */
export type AdminTenantOf = (request: FastifyRequest) => TenantGatehouse;

const STATUS: Record<ManagementError['kind'], number> = { invalid: 400, not_found: 404, conflict: 409, forbidden: 403 };
const ERROR_CODE: Record<ManagementError['kind'], string> = {
  invalid: 'invalid_request',
  not_found: 'not_found',
  conflict: 'conflict',
  forbidden: 'forbidden',
};

/** Management errors as `{error, error_description}` with their status (400, 403, 404, 409). */
export const managementError: ErrorAnswering['domainError'] = (error) =>
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
function adminAuthentication(tenantOf: AdminTenantOf, platform?: TenantGatehouse): Authenticate {
  const members = platform && memberAuthentication(platform);
  return async (token, request) => {
    const tenant = tenantOf(request);
    if (members && tenant.tenant.id !== platform.tenant.id && unverifiedIssuer(token) === platform.config.issuer) {
      return members(token, request, tenant);
    }
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
 * A person of the platform acting on an account they are a member of, with the platform console's token: a token of
 * the platform (its issuer, audience and keys) with MEMBER_SCOPE, for an active user who is a member of this account
 * right now. Their account role, read at every request (a removal or demotion counts at once, RFC 9700 §2.3), is what
 * the routes' `access` is checked against.
 */
function memberAuthentication(platform: TenantGatehouse) {
  const platformToken = accessTokenAuthentication(platform);
  return async (token: string, request: FastifyRequest, tenant: TenantGatehouse) => {
    const claims = await platformToken(token, request);
    // The platform's machine clients are the operators' (platform-routes); an account's machines are its own clients.
    if (claims.auth_time === undefined) throw new InvalidTokenError("a platform client's token cannot act on an account");
    if (!scopesOf(claims).has(MEMBER_SCOPE)) throw new InsufficientScopeError([MEMBER_SCOPE]);
    const user = await platform.findUser(claims.sub);
    if (!user || user.disabledAt !== null) throw new InvalidTokenError('the user is no longer active');
    const member = await tenant.repositories.members.get(claims.sub);
    if (!member) throw new ManagementError(`you are not a member of the account "${tenant.tenant.id}"`, 'forbidden');
    memberRoles.set(request, member.role);
    return claims;
  };
}

/**
 * A member's request needs the route's account role: `access` when the route names one, else viewer to read and admin
 * to change anything. Checked before the body is parsed or anything is written.
 */
async function checkAccountRole(request: FastifyRequest): Promise<void> {
  const role = memberRoles.get(request);
  if (role === undefined) return;
  const needed = request.routeOptions.config.access ?? (request.method === 'GET' || request.method === 'HEAD' ? 'viewer' : 'admin');
  if (!roleCovers(role, needed)) {
    throw new ManagementError(`your role in this account (${role}) cannot do this: it needs ${needed} or above; ask an owner`, 'forbidden');
  }
}

/**
 * What every admin route shares, set up in the registering plugin for the routes registered after it: the bearer
 * token checked against `tenantOf`'s tenant (realm gatehouse-admin), management errors as `{error,
 * error_description}` with their status, and `Cache-Control: no-store` on every answer (they carry secrets and
 * personal data).
 */
export async function adminScope(app: FastifyInstance, tenantOf: AdminTenantOf, platform?: TenantGatehouse): Promise<void> {
  await app.register(bearerAuth, { realm: 'gatehouse-admin', authenticate: adminAuthentication(tenantOf, platform) });
  app.addHook('onRequest', checkAccountRole);
  answerErrors(app, { domainError: managementError, describedValidation: { patterns: PATTERN_WORDS } });
  app.addHook('onSend', async (_request, reply) => {
    reply.header('cache-control', 'no-store');
  });
}

/** Who made a change through the admin API, for the audit log. */
export const actorOf = (request: FastifyRequest): Actor => {
  const principal = principalOf(request);
  const type = memberRoles.has(request) ? 'member' : principal.auth_time === undefined ? 'client' : 'user';
  return { actor: principal.sub, actor_type: type, ip: request.ip };
};

/** The account role of a member's request; undefined for the tenant's own administrators (users and clients). */
export const memberRoleOf = (request: FastifyRequest): AccountRole | undefined => memberRoles.get(request);

/** The refusals every admin route may answer, documented with the field they name. */
const ERROR_RESPONSES = { 400: adminError, 403: adminError, 404: adminError, 409: adminError } as const;

/**
 * An admin route's options: its schema, documented under the admin tag and the admin scope, with its refusals, and the
 * least account role a member needs for it when that is not the default (viewer to read, admin to change).
 */
export const adminRoute = <Schema extends FastifySchema>(schema: Schema, access?: AccountRole) => ({
  schema: {
    tags: ['admin'],
    security: adminSecurity,
    ...schema,
    response: { ...ERROR_RESPONSES, ...(schema.response as object | undefined) },
  },
  ...(access ? { config: { access } } : {}),
});
