import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { RequestSchemaTypes } from '../http/type-provider.js';
import type { ApiManagement } from '../management/apis.js';
import type { RoleManagement } from '../management/roles.js';
import { actorOf as actor, adminRoute as route } from './admin-scope.js';
import * as schemas from './schemas.js';

/** Whose roles and APIs a set of routes changes, and what the routes say they are. */
export interface Definitions {
  /** Where the routes are: `/admin` (a tenant's own) or `/admin/platform` (the platform's, every tenant reads). */
  prefix: string;
  of: (request: FastifyRequest) => { roles: RoleManagement; apis: ApiManagement };
  /** The audience of tokens asked for without `resource`: the tenant's; the platform has none. */
  defaultAudienceOf: (request: FastifyRequest) => string | undefined;
  /** "" for a tenant's own, "the platform's " for the platform's, in the routes' summaries. */
  whose: string;
}

/** The admin routes of roles and APIs, the same for a tenant's own and for the platform's templates. */
export function definitionRoutes(fastify: FastifyInstance, definitions: Definitions): void {
  const app = fastify.withTypeProvider<RequestSchemaTypes>();
  const { prefix, of, whose } = definitions;
  app.get(
    `${prefix}/roles`,
    route({ summary: `List ${whose}roles, a page at a time`, querystring: schemas.roleQuery, response: { 200: schemas.roleList } }),
    async (request) => {
      const { items, next } = await of(request).roles.listRoles(request.query);
      return { roles: items, next };
    },
  );
  app.post(
    `${prefix}/roles`,
    route({ summary: `Create ${whose || 'a '}role`, body: schemas.newRole, response: { 201: schemas.roleOne } }),
    async (request, reply) => {
      const role = await of(request).roles.createRole(request.body, actor(request));
      reply.code(201);
      return { role };
    },
  );
  app.patch(
    `${prefix}/roles/:name`,
    route({
      summary: `Change the scopes of ${whose || 'a '}role`,
      params: schemas.nameParam,
      body: schemas.roleChanges,
      response: { 200: schemas.roleOne },
    }),
    async (request) => {
      const role = await of(request).roles.updateRoleScopes(request.params.name, request.body.scopes, actor(request));
      return { role };
    },
  );
  app.get(
    `${prefix}/apis`,
    route({
      summary: `List ${whose}APIs (resource servers), a page at a time`,
      querystring: schemas.apiQuery,
      response: { 200: schemas.apiList },
    }),
    async (request) => {
      const defaultAudience = definitions.defaultAudienceOf(request);
      const { items, next } = await of(request).apis.listApis(request.query);
      return { ...(defaultAudience === undefined ? {} : { default: defaultAudience }), apis: items, next };
    },
  );
  app.post(
    `${prefix}/apis`,
    route({ summary: `Register ${whose || 'an '}API`, body: schemas.newApi, response: { 201: schemas.apiOne } }),
    async (request, reply) => {
      const { body } = request;
      const api = await of(request).apis.createApi(
        { identifier: body.identifier, name: body.name ?? '', scopes: body.scopes ?? [] },
        actor(request),
      );
      reply.code(201);
      return { api };
    },
  );
}
