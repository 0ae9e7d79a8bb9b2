import { InsufficientScopeError, InvalidTokenError } from '@gatehouse/resource';
import type { FastifyInstance, FastifyReply, FastifyRequest, FastifySchema } from 'fastify';
import type { Gatehouse } from '../gatehouse.js';
import { type Authenticate, accessTokenAuthentication, bearerAuth, principalOf } from '../http/bearer-auth.js';
import { answerErrors, type ErrorAnswering } from '../http/errors.js';
import type { RequestSchemaTypes } from '../http/type-provider.js';
import { SIGNING_ALGORITHMS } from '../keys/key-store.js';
import { ADMIN_SCOPE } from '../management/builtins.js';
import { tenantFieldsOf } from '../management/tenants.js';
import { ManagementError } from '../management/validation.js';
import type { Actor } from './audit-log.js';
import * as schemas from './schemas.js';
import type { ClientRequest } from './views.js';

const STATUS: Record<ManagementError['kind'], number> = { invalid: 400, not_found: 404, conflict: 409 };
const ERROR_CODE: Record<ManagementError['kind'], string> = { invalid: 'invalid_request', not_found: 'not_found', conflict: 'conflict' };

const managementError: ErrorAnswering['domainError'] = (error) =>
  error instanceof ManagementError
    ? { status: STATUS[error.kind], body: { error: ERROR_CODE[error.kind], error_description: error.message } }
    : undefined;

/**
 * An access token with gatehouse:admin whose holder still holds it now. The scope in the token is what was allowed
 * when it was issued; admin power must follow demotions at once (RFC 9700 §2.3: least privilege).
 */
function adminAuthentication(gatehouse: Gatehouse): Authenticate {
  const verify = accessTokenAuthentication(gatehouse, [ADMIN_SCOPE]);
  return async (token, request) => {
    const claims = await verify(token, request);
    if (claims.auth_time !== undefined) {
      const user = await gatehouse.findUser(claims.sub);
      if (!user || user.disabledAt !== null) throw new InvalidTokenError('the user is no longer active');
      if (!(await gatehouse.roleScopesOf(user.id)).has(ADMIN_SCOPE)) throw new InsufficientScopeError([ADMIN_SCOPE]);
    } else {
      // A machine client's token (client_credentials): the client itself is the holder.
      const resolved = await gatehouse.directory.find(claims.client_id);
      if (!resolved || resolved.client.revokedAt !== null) throw new InvalidTokenError('the client is no longer active');
      if (!resolved.allowedScopes.has(ADMIN_SCOPE)) throw new InsufficientScopeError([ADMIN_SCOPE]);
    }
    return claims;
  };
}

/**
 * The admin API (JSON under /admin). Every call needs an access token from this server with scope
 * gatehouse:admin, checked by the same verifier resource servers use; a user's token also needs the user to be
 * active and to hold the scope through a role right now, and a client's token the client to be active and allowed the
 * scope (through its roles or directly) right now. Every change is written to the audit log.
 */
export async function adminRoutes(fastify: FastifyInstance, gatehouse: Gatehouse): Promise<void> {
  const { config, audit } = gatehouse;
  const { clients, roles, apis, users, keys } = gatehouse.management;
  const app = fastify.withTypeProvider<RequestSchemaTypes>();

  await app.register(bearerAuth, { realm: 'gatehouse-admin', authenticate: adminAuthentication(gatehouse) });
  answerErrors(app, { domainError: managementError, bareValidationMessage: true });
  app.addHook('onSend', async (_request, reply) => {
    reply.header('cache-control', 'no-store');
  });

  const actor = (request: FastifyRequest): Actor => {
    const principal = principalOf(request);
    return { actor: principal.sub, actor_type: principal.auth_time === undefined ? 'client' : 'user', ip: request.ip };
  };
  const route = <Schema extends FastifySchema>(schema: Schema) => ({
    schema: { tags: ['admin'], security: schemas.adminSecurity, ...schema },
  });
  const created = (reply: FastifyReply) => reply.code(201);

  // App clients
  app.get('/admin/clients', route({ summary: 'List app clients', response: { 200: schemas.clientList } }), async () => ({
    clients: await clients.listClients(),
  }));
  app.post(
    '/admin/clients',
    route({ summary: 'Create an app client', body: schemas.newClient, response: { 201: schemas.clientWithSecret } }),
    async (request, reply) => {
      const { body } = request;
      const input = { ...clientInput(body), name: body.name, public: body.public === true };
      const { client, clientSecret } = await clients.createClient(input, actor(request));
      created(reply);
      return { client, ...(clientSecret ? { client_secret: clientSecret } : {}) };
    },
  );
  app.get(
    '/admin/clients/:id',
    route({ summary: 'Get an app client', params: schemas.idParam, response: { 200: schemas.clientOne } }),
    async (request) => ({
      client: await clients.getClient(request.params.id),
    }),
  );
  app.patch(
    '/admin/clients/:id',
    route({ summary: 'Change an app client', params: schemas.idParam, body: schemas.clientChanges, response: { 200: schemas.clientOne } }),
    async (request) => {
      const { id } = request.params;
      const { body } = request;
      const client = await clients.updateClient(id, clientInput(body), actor(request));
      return { client };
    },
  );
  app.post(
    '/admin/clients/:id/rotate-secret',
    route({
      summary: 'Issue a new client secret',
      params: schemas.idParam,
      body: schemas.rotateSecret,
      response: { 200: schemas.clientWithSecret },
    }),
    async (request) => {
      const { client, clientSecret } = await clients.rotateSecret(request.params.id, request.body?.grace_seconds, actor(request));
      return { client, client_secret: clientSecret };
    },
  );
  app.post(
    '/admin/clients/:id/revoke',
    route({ summary: 'Revoke an app client and its tokens', params: schemas.idParam, response: { 200: schemas.clientOne } }),
    async (request) => {
      const client = await clients.revokeClient(request.params.id, actor(request));
      return { client };
    },
  );

  // Tenants: the platform's operators only (a token of the default tenant; this plugin serves no other).
  const { tenants } = gatehouse.platform;
  app.get(
    '/admin/tenants',
    route({ summary: 'List tenants, a page at a time', querystring: schemas.tenantQuery, response: { 200: schemas.tenantPage } }),
    async (request) => tenants.list(request.query),
  );
  app.post(
    '/admin/tenants',
    route({ summary: 'Create a tenant', body: schemas.newTenant, response: { 201: schemas.tenantOne } }),
    async (request, reply) => {
      const { id, name } = request.body;
      const tenant = await tenants.create({ id, name, ...tenantFieldsOf(request.body) }, actor(request));
      created(reply);
      return { tenant };
    },
  );
  app.get(
    '/admin/tenants/:id',
    route({ summary: 'Get a tenant', params: schemas.idParam, response: { 200: schemas.tenantOne } }),
    async (request) => ({ tenant: await tenants.get(request.params.id) }),
  );
  app.patch(
    '/admin/tenants/:id',
    route({
      summary: "Change a tenant's name, settings, quotas or allowed scopes",
      params: schemas.idParam,
      body: schemas.tenantChanges,
      response: { 200: schemas.tenantOne },
    }),
    async (request) => {
      const { name } = request.body;
      const changes = { ...(name === undefined ? {} : { name }), ...tenantFieldsOf(request.body) };
      return { tenant: await tenants.update(request.params.id, changes, actor(request)) };
    },
  );
  for (const change of ['suspend', 'resume'] as const) {
    app.post(
      `/admin/tenants/:id/${change}`,
      route({
        summary: change === 'suspend' ? 'Suspend a tenant: its tokens are refused and its sign-in closed' : 'Resume a suspended tenant',
        params: schemas.idParam,
        response: { 200: schemas.tenantOne },
      }),
      async (request) => ({ tenant: await tenants[change](request.params.id, actor(request)) }),
    );
  }
  app.delete(
    '/admin/tenants/:id',
    route({ summary: 'Delete a tenant and everything stored for it', params: schemas.idParam, response: { 204: { type: 'null' } } }),
    async (request, reply) => {
      await tenants.delete(request.params.id, actor(request));
      return reply.code(204).send();
    },
  );

  // Roles and APIs
  app.get('/admin/roles', route({ summary: 'List roles', response: { 200: schemas.roleList } }), async () => ({
    roles: await roles.listRoles(),
  }));
  app.post(
    '/admin/roles',
    route({ summary: 'Create a role', body: schemas.newRole, response: { 201: schemas.roleOne } }),
    async (request, reply) => {
      const role = await roles.createRole(request.body, actor(request));
      created(reply);
      return { role };
    },
  );
  app.patch(
    '/admin/roles/:name',
    route({ summary: "Change a role's scopes", params: schemas.nameParam, body: schemas.roleChanges, response: { 200: schemas.roleOne } }),
    async (request) => {
      const role = await roles.updateRoleScopes(request.params.name, request.body.scopes, actor(request));
      return { role };
    },
  );
  app.get('/admin/apis', route({ summary: 'List APIs (resource servers)', response: { 200: schemas.apiList } }), async () => ({
    default: config.defaultAudience,
    apis: await apis.listApis(),
  }));
  app.post(
    '/admin/apis',
    route({ summary: 'Register an API', body: schemas.newApi, response: { 201: schemas.apiOne } }),
    async (request, reply) => {
      const { body } = request;
      const api = await apis.createApi({ identifier: body.identifier, name: body.name ?? '', scopes: body.scopes ?? [] }, actor(request));
      created(reply);
      return { api };
    },
  );

  // Users, their consents and sessions
  app.get('/admin/users', route({ summary: 'List users', response: { 200: schemas.userList } }), async () => ({
    users: await users.listUsers(),
  }));
  app.post(
    '/admin/users',
    route({ summary: 'Create a user', body: schemas.newUser, response: { 201: schemas.userOne } }),
    async (request, reply) => {
      const user = await users.createUser(request.body, actor(request));
      created(reply);
      return { user };
    },
  );
  app.get(
    '/admin/users/:id',
    route({ summary: 'Get a user', params: schemas.idParam, response: { 200: schemas.userOne } }),
    async (request) => ({
      user: await users.getUser(request.params.id),
    }),
  );
  for (const [path, summary] of [
    ['disable', 'Disable a user (ends their sessions)'],
    ['enable', 'Enable a user'],
  ] as const) {
    app.post(
      `/admin/users/:id/${path}`,
      route({ summary, params: schemas.idParam, response: { 200: schemas.userOne } }),
      async (request) => {
        const { id } = request.params;
        const user = path === 'disable' ? await users.disableUser(id, actor(request)) : await users.enableUser(id, actor(request));
        return { user };
      },
    );
  }
  app.get(
    '/admin/users/:id/consents',
    route({ summary: "A user's consents", params: schemas.idParam, response: { 200: schemas.consentList } }),
    async (request) => ({
      consents: await users.listConsents(request.params.id),
    }),
  );
  app.delete(
    '/admin/users/:id/consents/:clientId',
    route({
      summary: "Withdraw a user's consent for a client (at every API) and revoke its tokens",
      params: schemas.consentParams,
      response: { 200: schemas.withdrawal },
    }),
    async (request) => {
      const { id, clientId } = request.params;
      const result = await users.withdrawConsent(id, clientId, actor(request));
      return { withdrawn: result.withdrawn, revoked_grants: result.revokedGrants };
    },
  );
  app.get(
    '/admin/users/:id/sessions',
    route({ summary: "A user's active sessions", params: schemas.idParam, response: { 200: schemas.sessionList } }),
    async (request) => ({
      sessions: await users.listSessions(request.params.id),
    }),
  );
  app.delete(
    '/admin/sessions/:id',
    route({ summary: 'End a session', params: schemas.idParam, response: { 204: { type: 'null' } } }),
    async (request, reply) => {
      const { id } = request.params;
      await users.endSession(id, actor(request));
      return reply.code(204).send();
    },
  );

  // Signing keys and the audit log
  app.get('/admin/keys', route({ summary: 'List signing keys', response: { 200: schemas.keyList } }), async () => ({
    keys: await keys.list(),
  }));
  app.post(
    '/admin/keys/rotate',
    route({ summary: 'Rotate signing keys', body: schemas.rotateKeys, response: { 200: schemas.rotation } }),
    async (request) => {
      const alg = request.body?.alg;
      const rotated = await keys.rotate(alg === undefined ? SIGNING_ALGORITHMS : [alg], actor(request));
      return { rotated };
    },
  );
  app.get(
    '/admin/audit',
    route({ summary: 'The audit log, newest first', querystring: schemas.auditQuery, response: { 200: schemas.auditPage } }),
    async (request) => {
      return audit.page(request.query.limit ?? 50, request.query.before);
    },
  );
}

/** The admin API's client fields as management input; absent stays undefined. */

const clientInput = (body: ClientRequest) => ({
  name: body.name,
  description: body.description,
  roles: body.roles,
  scopes: body.scope?.split(' ').filter(Boolean),
  grantTypes: body.grant_types,
  redirectUris: body.redirect_uris,
  postLogoutRedirectUris: body.post_logout_redirect_uris,
  idTokenSignedResponseAlg: body.id_token_signed_response_alg,
  accessTokenTtl: body.access_token_ttl,
  introspection: body.introspection,
});
