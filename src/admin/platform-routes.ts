import type { FastifyInstance } from 'fastify';
import type { Gatehouse } from '../gatehouse.js';
import type { RequestSchemaTypes } from '../http/type-provider.js';
import { tenantFieldsOf } from '../management/tenants.js';
import { ManagementError } from '../management/validation.js';
import { actorOf, adminRoute, adminScope } from './admin-scope.js';
import { definitionRoutes } from './definition-routes.js';
import * as memberSchemas from './member-schemas.js';
import * as schemas from './schemas.js';

/**
 * The platform's admin API (JSON under /admin/tenants and /admin/platform): its operators create, page, change,
 * suspend, resume and delete tenants, and register the platform's APIs and role templates. Registered at the root
 * only, for the default tenant's admins: its tokens and no other tenant's are accepted, `/t/{tenant}/admin/tenants`
 * does not exist, and under host routing a tenant's host does not serve it (confineTenantHosts). Every change is
 * written to the default tenant's audit log.
 */
export async function platformAdminRoutes(fastify: FastifyInstance, gatehouse: Gatehouse): Promise<void> {
  const { tenants } = gatehouse.platform;
  const app = fastify.withTypeProvider<RequestSchemaTypes>();
  await adminScope(app, () => gatehouse);

  // The platform's APIs and role templates, which every tenant reads and none changes.
  definitionRoutes(app, {
    prefix: '/admin/platform',
    of: () => gatehouse.platform,
    defaultAudienceOf: () => undefined,
    whose: "the platform's ",
    deletable: false,
  });

  app.get(
    '/admin/tenants',
    adminRoute({ summary: 'List tenants, a page at a time', querystring: schemas.tenantQuery, response: { 200: schemas.tenantPage } }),
    async (request) => tenants.list(request.query),
  );
  app.post(
    '/admin/tenants',
    adminRoute({ summary: 'Create a tenant', body: schemas.newTenant, response: { 201: schemas.tenantOne } }),
    async (request, reply) => {
      const { id, name } = request.body;
      const tenant = await tenants.create({ id, name, ...tenantFieldsOf(request.body) }, actorOf(request));
      reply.code(201);
      return { tenant };
    },
  );
  app.get(
    '/admin/tenants/:id',
    adminRoute({ summary: 'Get a tenant', params: schemas.idParam, response: { 200: schemas.tenantOne } }),
    async (request) => ({ tenant: await tenants.get(request.params.id) }),
  );
  app.patch(
    '/admin/tenants/:id',
    adminRoute({
      summary: "Change a tenant's name, settings, quotas or allowed scopes",
      params: schemas.idParam,
      body: schemas.tenantChanges,
      response: { 200: schemas.tenantOne },
    }),
    async (request) => {
      const { name } = request.body;
      const changes = { ...(name === undefined ? {} : { name }), ...tenantFieldsOf(request.body) };
      return { tenant: await tenants.update(request.params.id, changes, actorOf(request)) };
    },
  );
  for (const change of ['suspend', 'resume'] as const) {
    app.post(
      `/admin/tenants/:id/${change}`,
      adminRoute({
        summary: change === 'suspend' ? 'Suspend a tenant: its tokens are refused and its sign-in closed' : 'Resume a suspended tenant',
        params: schemas.idParam,
        response: { 200: schemas.tenantOne },
      }),
      async (request) => ({ tenant: await tenants[change](request.params.id, actorOf(request)) }),
    );
  }
  // A tenant's team, for the operators: who is on it, and the invitation of its first owner (a tenant made by the
  // operators has no member until someone is invited).
  const teamOf = async (id: string) => {
    const tenant = await gatehouse.tenants.open(id);
    if (!tenant) throw new ManagementError(`no tenant "${id}"`, 'not_found');
    return tenant.management.members;
  };
  app.get(
    '/admin/tenants/:id/members',
    adminRoute({ summary: "A tenant's members", params: schemas.idParam, response: { 200: memberSchemas.memberList } }),
    async (request) => ({ members: await (await teamOf(request.params.id)).list() }),
  );
  app.post(
    '/admin/tenants/:id/invitations',
    adminRoute({
      summary: "Invite someone to a tenant's team (its first owner, say): the answer holds the link, once",
      params: schemas.idParam,
      body: memberSchemas.newInvitation,
      response: { 201: memberSchemas.invitationCreated },
    }),
    async (request, reply) => {
      const created = await (await teamOf(request.params.id)).invite(request.body, actorOf(request));
      reply.code(201);
      return created;
    },
  );
  app.delete(
    '/admin/tenants/:id',
    adminRoute({ summary: 'Delete a tenant and everything stored for it', params: schemas.idParam, response: { 204: { type: 'null' } } }),
    async (request, reply) => {
      await tenants.delete(request.params.id, actorOf(request));
      return reply.code(204).send();
    },
  );
}
