import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { RequestSchemaTypes } from '../http/type-provider.js';
import type { ApiManagement, OpenApiInput } from '../management/apis.js';
import { MAX_OPENAPI_BYTES } from '../management/openapi-documents.js';
import type { RoleManagement } from '../management/roles.js';
import { actorOf as actor, adminRoute as route } from './admin-scope.js';
import * as schemas from './schemas.js';
import type { DeletionImpact } from './views.js';

/** Whose roles and APIs a set of routes changes, and what the routes say they are. */
export interface Definitions {
  /** Where the routes are: `/admin` (a tenant's own) or `/admin/platform` (the platform's, every tenant reads). */
  prefix: string;
  of: (request: FastifyRequest) => { roles: RoleManagement; apis: ApiManagement };
  /** The audience of tokens asked for without `resource`: the tenant's; the platform has none. */
  defaultAudienceOf: (request: FastifyRequest) => string | undefined;
  /** "" for a tenant's own, "the platform's " for the platform's, in the routes' summaries. */
  whose: string;
  /**
   * Whether roles and APIs can be deleted here. A tenant's own can; the platform's templates cannot (yet): every
   * tenant's clients and users may hold them, and a deletion is one tenant's transaction.
   */
  deletable: boolean;
}

/**
 * The body limit of the routes that take an OpenAPI document: a document at its limit, even as YAML text escaped
 * into a JSON string, with the API's other fields (every other admin route keeps the server's 64 KiB).
 */
const OPENAPI_BODY_LIMIT = 2 * MAX_OPENAPI_BYTES;

/** The OpenAPI document a request body gives, as the management layer takes it: what is absent is left out. */
const openApiInput = (body: { openapi?: unknown; openapi_url?: string }): OpenApiInput => ({
  ...(body.openapi === undefined ? {} : { openapi: body.openapi }),
  ...(body.openapi_url === undefined ? {} : { openapiUrl: body.openapi_url }),
});

/** What a deletion route does, for the request it answers. */
interface Deletion {
  /** What would go with it (GET …/dependents). */
  dependents: () => Promise<DeletionImpact>;
  /** Deletes it, with what goes with it, and says what went. */
  remove: () => Promise<DeletionImpact>;
  /** The id or name the request named, as the answer's `deleted`. */
  name: string;
}

/**
 * `GET {path}/dependents`, what deleting would take with it (for the confirmation that names it), and `DELETE {path}`,
 * which deletes and answers what went.
 */
export function deletionRoutes(
  fastify: FastifyInstance,
  path: string,
  what: string,
  params: typeof schemas.idParam | typeof schemas.nameParam | typeof schemas.apiParam,
  of: (request: FastifyRequest) => Deletion,
): void {
  const app = fastify.withTypeProvider<RequestSchemaTypes>();
  app.get(
    `${path}/dependents`,
    route({ summary: `What deleting ${what} takes with it`, params, response: { 200: schemas.dependents } }),
    async (request) => of(request).dependents(),
  );
  app.delete(
    path,
    route({ summary: `Delete ${what}, with what goes with it (GET …/dependents)`, params, response: { 200: schemas.deletion } }),
    async (request) => {
      const deletion = of(request);
      return { deleted: deletion.name, ...(await deletion.remove()) };
    },
  );
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
    {
      ...route({
        summary: `Register ${whose || 'an '}API, with its OpenAPI document`,
        body: schemas.newApi,
        response: { 201: schemas.apiOne },
      }),
      bodyLimit: OPENAPI_BODY_LIMIT,
    },
    async (request, reply) => {
      const { body } = request;
      const api = await of(request).apis.createApi(
        {
          identifier: body.identifier,
          name: body.name ?? '',
          scopes: body.scopes ?? [],
          scopeDescriptions: body.scope_descriptions ?? {},
          ...openApiInput(body),
        },
        actor(request),
      );
      reply.code(201);
      return { api };
    },
  );
  app.patch(
    `${prefix}/apis/:id`,
    {
      ...route({
        summary: `Change ${whose || 'an '}API's name, scopes, scope descriptions or OpenAPI document`,
        params: schemas.apiParam,
        body: schemas.apiChanges,
        response: { 200: schemas.apiOne },
      }),
      bodyLimit: OPENAPI_BODY_LIMIT,
    },
    async (request) => {
      const { name, scopes, scope_descriptions: scopeDescriptions } = request.body;
      const changes = {
        ...(name === undefined ? {} : { name }),
        ...(scopes ? { scopes } : {}),
        ...(scopeDescriptions ? { scopeDescriptions } : {}),
        ...openApiInput(request.body),
      };
      return { api: await of(request).apis.updateApi(request.params.id, changes, actor(request)) };
    },
  );
  app.get(
    `${prefix}/apis/:id/openapi`,
    route({
      summary: `Get ${whose || 'an '}API's OpenAPI document`,
      params: schemas.apiParam,
      response: { 200: schemas.openapiDocumentAnswer },
    }),
    async (request, reply) => {
      // Sent as stored: JSON text, checked when it was stored.
      reply.type('application/json');
      return of(request).apis.openApiDocument(request.params.id);
    },
  );
  app.post(
    `${prefix}/apis/:id/openapi/refresh`,
    route({
      summary: `Fetch ${whose || 'an '}API's OpenAPI document again from its URL`,
      params: schemas.apiParam,
      response: { 200: schemas.apiOne },
    }),
    async (request) => ({ api: await of(request).apis.refreshOpenApi(request.params.id, actor(request)) }),
  );
  if (!definitions.deletable) return;
  deletionRoutes(app, `${prefix}/roles/:name`, `${whose || 'a '}role`, schemas.nameParam, (request) => {
    const { roles } = of(request);
    const { name } = request.params as { name: string };
    return { dependents: () => roles.roleDependents(name), remove: () => roles.deleteRole(name, actor(request)), name };
  });
  deletionRoutes(app, `${prefix}/apis/:id`, `${whose || 'an '}API`, schemas.apiParam, (request) => {
    const { apis } = of(request);
    const { id } = request.params as { id: string };
    return { dependents: () => apis.apiDependents(id), remove: () => apis.deleteApi(id, actor(request)), name: id };
  });
}
