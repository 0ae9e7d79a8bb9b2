import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Gatehouse } from '../gatehouse.js';
import { tenantOf } from '../http/tenant-scope.js';
import type { RequestSchemaTypes } from '../http/type-provider.js';
import { SIGNING_ALGORITHMS } from '../keys/key-store.js';
import { actorOf as actor, adminScope, adminRoute as route } from './admin-scope.js';
import { auditExport, exportMediaType } from './audit-export.js';
import { auditFilterOf } from './audit-query.js';
import { definitionRoutes, deletionRoutes } from './definition-routes.js';
import { memberRoutes } from './member-routes.js';
import * as schemas from './schemas.js';
import type { ClientRequest } from './views.js';

/**
 * A tenant's admin API (JSON under {its base}/admin): its clients, roles, APIs, users and their consents and sessions,
 * signing keys and audit log, and nothing of any other tenant's. Registered per tenant (registerPerTenant), so every
 * request works on `tenantOf(request)`'s services alone: its management (which checks its quotas and writes its audit
 * log), its directory and its users. Every call needs an access token of that tenant with scope gatehouse:admin,
 * checked by the same verifier resource servers use; a user's token also needs the user to be active and to hold the
 * scope through a role right now, and a client's token the client to be active and allowed the scope (through its
 * roles or directly) right now.
 */
export async function adminRoutes(fastify: FastifyInstance, gatehouse: Gatehouse): Promise<void> {
  const app = fastify.withTypeProvider<RequestSchemaTypes>();
  // The platform's people reach the accounts they are members of with the platform console's token (memberAuthentication).
  await adminScope(app, tenantOf, gatehouse);
  const created = (reply: FastifyReply) => reply.code(201);

  // App clients
  app.get(
    '/admin/clients',
    route({ summary: 'List app clients, a page at a time', querystring: schemas.clientQuery, response: { 200: schemas.clientList } }),
    async (request) => {
      const { items, next } = await management(request).clients.listClients(request.query);
      return { clients: items, next };
    },
  );
  app.post(
    '/admin/clients',
    route({ summary: 'Create an app client', body: schemas.newClient, response: { 201: schemas.clientWithSecret } }, 'developer'),
    async (request, reply) => {
      const { body } = request;
      const input = { ...clientInput(body), name: body.name, public: body.public === true };
      const { client, clientSecret } = await management(request).clients.createClient(input, actor(request));
      created(reply);
      return { client, ...(clientSecret ? { client_secret: clientSecret } : {}) };
    },
  );
  app.get(
    '/admin/clients/:id',
    route({ summary: 'Get an app client', params: schemas.idParam, response: { 200: schemas.clientOne } }),
    async (request) => ({
      client: await management(request).clients.getClient(request.params.id),
    }),
  );
  app.patch(
    '/admin/clients/:id',
    route(
      { summary: 'Change an app client', params: schemas.idParam, body: schemas.clientChanges, response: { 200: schemas.clientOne } },
      'developer',
    ),
    async (request) => {
      const { id } = request.params;
      const { body } = request;
      const client = await management(request).clients.updateClient(id, clientInput(body), actor(request));
      return { client };
    },
  );
  app.post(
    '/admin/clients/:id/rotate-secret',
    route(
      {
        summary: 'Issue a new client secret',
        params: schemas.idParam,
        body: schemas.rotateSecret,
        response: { 200: schemas.clientWithSecret },
      },
      'developer',
    ),
    async (request) => {
      const { client, clientSecret } = await management(request).clients.rotateSecret(
        request.params.id,
        request.body?.grace_seconds,
        actor(request),
      );
      return { client, client_secret: clientSecret };
    },
  );
  app.post(
    '/admin/clients/:id/revoke',
    route({ summary: 'Revoke an app client and its tokens', params: schemas.idParam, response: { 200: schemas.clientOne } }, 'developer'),
    async (request) => {
      const client = await management(request).clients.revokeClient(request.params.id, actor(request));
      return { client };
    },
  );
  app.post(
    '/admin/clients/:id/test-token',
    route(
      {
        summary: 'Issue an access token to a machine client, as the token endpoint would (client_credentials), to try an API with',
        params: schemas.idParam,
        body: schemas.testTokenRequest,
        response: { 200: schemas.testToken },
      },
      'developer',
    ),
    async (request) => {
      const { scope, resource } = request.body ?? {};
      return tenantOf(request).testTokens.issue(request.params.id, { scope, resource }, actor(request));
    },
  );

  // Roles and APIs
  definitionRoutes(app, {
    prefix: '/admin',
    of: management,
    defaultAudienceOf: (request) => tenantOf(request).config.defaultAudience,
    whose: '',
    deletable: true,
  });

  // Deleting a client or a user: GET …/dependents says what would go with it; DELETE says what went.
  deletionRoutes(app, '/admin/clients/:id', 'an app client', schemas.idParam, (request) => {
    const { clients } = management(request);
    const { id } = request.params as { id: string };
    return { dependents: () => clients.clientDependents(id), remove: () => clients.deleteClient(id, actor(request)), name: id };
  });
  deletionRoutes(app, '/admin/users/:id', 'a user', schemas.idParam, (request) => {
    const { users } = management(request);
    const { id } = request.params as { id: string };
    return { dependents: () => users.userDependents(id), remove: () => users.deleteUser(id, actor(request)), name: id };
  });

  // The account's team and settings
  memberRoutes(app, gatehouse);

  // Users, their consents and sessions
  app.get(
    '/admin/users',
    route({ summary: 'List users, a page at a time', querystring: schemas.userQuery, response: { 200: schemas.userList } }),
    async (request) => {
      const { items, next } = await management(request).users.listUsers(request.query);
      return { users: items, next };
    },
  );
  app.post(
    '/admin/users',
    route({ summary: 'Create a user', body: schemas.newUser, response: { 201: schemas.userOne } }),
    async (request, reply) => {
      const user = await management(request).users.createUser(request.body, actor(request));
      created(reply);
      return { user };
    },
  );
  app.get(
    '/admin/users/:id',
    route({ summary: 'Get a user', params: schemas.idParam, response: { 200: schemas.userOne } }),
    async (request) => ({
      user: await management(request).users.getUser(request.params.id),
    }),
  );
  app.patch(
    '/admin/users/:id',
    route({
      summary: "Change a user's roles or profile claims (name, email, email_verified)",
      params: schemas.idParam,
      body: schemas.userChanges,
      response: { 200: schemas.userOne },
    }),
    async (request) => {
      const { roles, name, email, email_verified: emailVerified } = request.body;
      const changes = { roles, name, email, emailVerified };
      const given = Object.fromEntries(Object.entries(changes).filter(([, value]) => value !== undefined));
      return { user: await management(request).users.updateUser(request.params.id, given, actor(request)) };
    },
  );
  app.post(
    '/admin/users/:id/password',
    route({
      summary: "Set a user's password (ends their sessions)",
      params: schemas.idParam,
      body: schemas.newPassword,
      response: { 200: schemas.userOne },
    }),
    async (request) => ({
      user: await management(request).users.setPassword(request.params.id, request.body.password, actor(request)),
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
        const { users } = management(request);
        const user = path === 'disable' ? await users.disableUser(id, actor(request)) : await users.enableUser(id, actor(request));
        return { user };
      },
    );
  }
  app.get(
    '/admin/users/:id/consents',
    route({ summary: "A user's consents", params: schemas.idParam, response: { 200: schemas.consentList } }),
    async (request) => ({
      consents: await management(request).users.listConsents(request.params.id),
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
      const result = await management(request).users.withdrawConsent(id, clientId, actor(request));
      return { withdrawn: result.withdrawn, revoked_grants: result.revokedGrants };
    },
  );
  app.get(
    '/admin/users/:id/sessions',
    route({ summary: "A user's active sessions", params: schemas.idParam, response: { 200: schemas.sessionList } }),
    async (request) => ({
      sessions: await management(request).users.listSessions(request.params.id),
    }),
  );
  app.delete(
    '/admin/sessions/:id',
    route({ summary: 'End a session', params: schemas.idParam, response: { 204: { type: 'null' } } }),
    async (request, reply) => {
      const { id } = request.params;
      await management(request).users.endSession(id, actor(request));
      return reply.code(204).send();
    },
  );

  // Signing keys and the audit log
  app.get('/admin/keys', route({ summary: 'List signing keys', response: { 200: schemas.keyList } }), async (request) => ({
    keys: await management(request).keys.list(),
  }));
  app.post(
    '/admin/keys/rotate',
    route({ summary: 'Rotate signing keys', body: schemas.rotateKeys, response: { 200: schemas.rotation } }),
    async (request) => {
      const alg = request.body?.alg;
      const rotated = await management(request).keys.rotate(alg === undefined ? SIGNING_ALGORITHMS : [alg], actor(request));
      return { rotated };
    },
  );
  app.get(
    '/admin/audit',
    route({ summary: 'The audit log, newest first, filtered', querystring: schemas.auditQuery, response: { 200: schemas.auditPage } }),
    async (request) => {
      const { limit, before, ...filters } = request.query;
      return tenantOf(request).audit.page(limit ?? 50, before, auditFilterOf(filters));
    },
  );
  app.get(
    '/admin/audit/export',
    route({
      summary: 'Download the audit log, newest first, filtered: every matching event, streamed as CSV or JSON',
      querystring: schemas.auditExportQuery,
      response: { 200: { description: 'An attachment: CSV (RFC 4180, a header row) or a JSON array of the events', type: 'string' } },
    }),
    async (request, reply) => {
      const { format = 'csv', ...filters } = request.query;
      // Read before anything is sent: a bad filter is a 400, not a broken download.
      const filter = auditFilterOf(filters);
      const tenant = tenantOf(request);
      const stamp = new Date().toISOString().replace(/[-:]|\.\d+/g, '');
      return reply
        .header('content-type', exportMediaType(format))
        .header('content-disposition', `attachment; filename="audit-${tenant.tenant.id}-${stamp}.${format}"`)
        .send(auditExport(tenant.audit, filter, format));
    },
  );
}

/** The management of the request's tenant: what every admin route changes or reads, and nothing else. */
const management = (request: FastifyRequest) => tenantOf(request).management;

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
