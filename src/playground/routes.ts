import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { type BuiltBundle, sendNotBuilt } from '../console/bundle.js';
import type { Gatehouse } from '../gatehouse.js';
import { tenantBasePath, tenantOf } from '../http/tenant-scope.js';
import type { RequestSchemaTypes } from '../http/type-provider.js';
import { builtinClientId, PLAYGROUND_CLIENT_ID, playgroundRedirectUri } from '../management/builtins.js';
import { ENDPOINT_PATHS } from '../oauth/discovery.js';
import { TenantRouting } from '../tenants/routing.js';
import type { OpenApiDocument } from './builtin-documents.js';
import { GATEHOUSE_ENTRY, PlaygroundCatalog, type ServerDocument } from './catalog.js';
import { serverOrigins } from './servers.js';
import type { PlaygroundConfig } from './views.js';

/**
 * The page runs from this server only (scripts, styles, images), is never framed, cannot be the base of other URLs
 * and submits no forms. It may call this server (the issuer's origin, 'self' unless the page is reached under
 * another name) and the servers of the one API it was opened for, nothing else: choosing another API loads the
 * page again, with that API's origins.
 */
export function playgroundCsp(issuer: string, apiOrigins: readonly string[] = []): string {
  const origins = [...new Set([new URL(issuer).origin, ...apiOrigins])];
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    `connect-src 'self' ${origins.join(' ')}`,
    "form-action 'none'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

const apiQuery = { type: 'object', properties: { api: { type: 'string', maxLength: 2048 } }, additionalProperties: true } as const;

/** An OpenAPI path template as the Fastify route under a tenant's prefix: `/admin/clients/{id}` → `/t/:tenant/admin/clients/:id`. */
const tenantRouteUrl = (path: string) => `${TenantRouting.PATH_PREFIX}${path.replace(/\{([^{}]+)\}/g, ':$1')}`;

/**
 * The API playground of every tenant at {its base}/playground/: the page (playground.html of the console's build),
 * the built-in public client it signs people in with (config.json), the APIs it offers (apis.json) and their
 * documents (openapi.json?api=…). The sign-in popup comes back to {base}/playground/callback, the same page, which
 * hands the code to the window that opened it.
 */
export async function playgroundRoutes(app: FastifyInstance, options: { gatehouse: Gatehouse; bundle: BuiltBundle }): Promise<void> {
  const { gatehouse, bundle } = options;
  const server: ServerDocument = {
    document: () => app.swagger() as OpenApiDocument,
    root: gatehouse.config.issuer,
    servedAtTenant: (method, path) => app.hasRoute({ method: method.toUpperCase() as 'GET', url: tenantRouteUrl(path) }),
  };
  const catalogOf = (request: FastifyRequest) => new PlaygroundCatalog(tenantOf(request), server);

  const sendPage = (reply: FastifyReply, csp: string) => {
    reply.header('content-security-policy', csp).header('cache-control', 'no-store');
    const page = bundle.page('playground.html');
    return page ? reply.type('text/html; charset=utf-8').send(page) : sendNotBuilt(reply);
  };

  app.get('/playground', { schema: { hide: true } }, async (request, reply) =>
    reply.redirect(`${tenantBasePath(request)}/playground/`, 301),
  );

  const typed = app.withTypeProvider<RequestSchemaTypes>();
  typed.get('/playground/', { schema: { hide: true, querystring: apiQuery } }, async (request, reply) => {
    const { issuer } = tenantOf(request).config;
    // No `api`, or one the tenant has no document for: the page starts with Gatehouse's own, or says there is none.
    const selected = await catalogOf(request).find(request.query.api ?? GATEHOUSE_ENTRY);
    return sendPage(reply, playgroundCsp(issuer, selected ? serverOrigins(selected.entry.servers) : []));
  });

  app.get('/playground/callback', { schema: { hide: true } }, async (request, reply) =>
    sendPage(reply, playgroundCsp(tenantOf(request).config.issuer)),
  );

  app.get('/playground/config.json', { schema: { hide: true } }, async (request, reply) => {
    const { config, tenant } = tenantOf(request);
    const settings: PlaygroundConfig = {
      issuer: config.issuer,
      client_id: builtinClientId(PLAYGROUND_CLIENT_ID, tenant.id),
      redirect_uri: playgroundRedirectUri(config.issuer),
      authorization_endpoint: config.issuer + ENDPOINT_PATHS.authorization,
      token_endpoint: config.issuer + ENDPOINT_PATHS.token,
      console: `${config.issuer}/console/`,
    };
    return reply.header('cache-control', 'no-store').send(settings);
  });

  app.get('/playground/apis.json', { schema: { hide: true } }, async (request, reply) =>
    reply.header('cache-control', 'no-store').send({ apis: await catalogOf(request).entries() }),
  );

  typed.get(
    '/playground/openapi.json',
    { schema: { hide: true, querystring: { ...apiQuery, required: ['api'] } } },
    async (request, reply) => {
      const found = await catalogOf(request).find(request.query.api);
      if (!found) {
        return reply.code(404).send({ error: 'not_found', error_description: 'there is no API of that id with an OpenAPI document here' });
      }
      return reply.header('cache-control', 'no-store').send(found.document);
    },
  );
}
