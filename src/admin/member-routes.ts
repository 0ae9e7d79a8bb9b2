import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Gatehouse } from '../gatehouse.js';
import { tenantOf } from '../http/tenant-scope.js';
import type { RequestSchemaTypes } from '../http/type-provider.js';
import { tenantFieldsOf } from '../management/tenants.js';
import { actorOf as actor, memberRoleOf, adminRoute as route } from './admin-scope.js';
import * as schemas from './member-schemas.js';
import { idParam } from './schemas.js';

/**
 * An account's team and settings, in its admin API: its members (people of the platform with an account role) and
 * the invitations to join it, which owners manage and everyone on the team reads, and the account's name and page
 * settings, which owners change. Quotas, allowed scopes and suspension stay the platform operators' (platform-routes).
 */
export function memberRoutes(fastify: FastifyInstance, gatehouse: Gatehouse): void {
  const app = fastify.withTypeProvider<RequestSchemaTypes>();
  const members = (request: FastifyRequest) => tenantOf(request).management.members;

  app.get('/admin/members', route({ summary: "The account's members", response: { 200: schemas.memberList } }), async (request) => ({
    members: await members(request).list(),
  }));
  app.patch(
    '/admin/members/:id',
    route(
      { summary: "Change a member's account role", params: idParam, body: schemas.memberChanges, response: { 200: schemas.memberOne } },
      'owner',
    ),
    async (request) => ({ member: await members(request).setRole(request.params.id, request.body.role, actor(request)) }),
  );
  app.delete(
    '/admin/members/:id',
    route({ summary: 'Remove a member from the account', params: idParam, response: { 204: { type: 'null' } } }, 'owner'),
    async (request, reply) => {
      await members(request).remove(request.params.id, actor(request));
      return reply.code(204).send();
    },
  );
  app.get(
    '/admin/invitations',
    route({ summary: 'Invitations not yet accepted', response: { 200: schemas.invitationList } }, 'admin'),
    async (request) => ({ invitations: await members(request).invitations() }),
  );
  app.post(
    '/admin/invitations',
    route(
      {
        summary: 'Invite someone to the account: the answer holds the link, once',
        body: schemas.newInvitation,
        response: { 201: schemas.invitationCreated },
      },
      'owner',
    ),
    async (request, reply) => {
      const created = await members(request).invite(request.body, actor(request));
      reply.code(201);
      return created;
    },
  );
  app.delete(
    '/admin/invitations/:id',
    route({ summary: 'Withdraw an invitation', params: idParam, response: { 204: { type: 'null' } } }, 'owner'),
    async (request, reply) => {
      await members(request).revokeInvitation(request.params.id, actor(request));
      return reply.code(204).send();
    },
  );

  const accountOf = async (request: FastifyRequest) => {
    const { tenant } = tenantOf(request);
    const view = await gatehouse.platform.tenants.get(tenant.id);
    return {
      account: { id: view.id, name: view.name, issuer: view.issuer, status: view.status, settings: view.settings },
      role: memberRoleOf(request) ?? ('administrator' as const),
    };
  };
  app.get('/admin/account', route({ summary: 'The account, and your role in it', response: { 200: schemas.accountSettings } }), accountOf);
  app.patch(
    '/admin/account',
    route(
      { summary: "Change the account's name or settings", body: schemas.accountChanges, response: { 200: schemas.accountSettings } },
      'owner',
    ),
    async (request) => {
      const { name } = request.body;
      const changes = { ...(name === undefined ? {} : { name }), ...tenantFieldsOf({ settings: request.body.settings }) };
      await gatehouse.platform.tenants.update(tenantOf(request).tenant.id, changes, actor(request));
      return accountOf(request);
    },
  );
}
