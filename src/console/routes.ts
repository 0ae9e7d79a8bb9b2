import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { tenantBasePath, tenantOf } from '../http/tenant-scope.js';
import type { RequestSchemaTypes } from '../http/type-provider.js';
import { builtinClientId, CONSOLE_CLIENT_ID, consoleLogoutRedirectUri, consoleRedirectUri, MEMBER_SCOPE } from '../management/builtins.js';
import { DEFAULT_TENANT } from '../ports/tenants.js';
import { type BuiltBundle, sendNotBuilt } from './bundle.js';

/** What the console asks for when it signs in with its built-in client (first party: no consent page). */
export const CONSOLE_SCOPE = 'openid profile gatehouse:admin';

/**
 * The console is a static single-page app: it needs its own scripts and styles, talks only to this origin, and is
 * never framed. This replaces the `default-src 'none'` the global security headers put on every response.
 */
export const CONSOLE_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; " +
  "frame-ancestors 'none'; form-action 'self'; base-uri 'none'";

const wildcardParam = { type: 'object', properties: { '*': { type: 'string' } }, required: ['*'] } as const;

/** What the console of the request's tenant signs in with: the tenant's issuer and built-in console client. */
function settingsOf(request: FastifyRequest) {
  const { config, tenant } = tenantOf(request);
  return {
    issuer: config.issuer,
    clientId: builtinClientId(CONSOLE_CLIENT_ID, tenant.id),
    redirectUri: consoleRedirectUri(config.issuer),
    // The platform's console also serves the people managing the accounts they are members of.
    scope: tenant.id === DEFAULT_TENANT ? `${CONSOLE_SCOPE} ${MEMBER_SCOPE}` : CONSOLE_SCOPE,
    postLogoutRedirectUri: consoleLogoutRedirectUri(config.issuer),
    // The platform's own console: its admins, and no other tenant's, may use the platform's admin API (tenants).
    platform: tenant.id === DEFAULT_TENANT,
    // People may create accounts of their own here (the platform's sign-up is on).
    selfService: tenant.id === DEFAULT_TENANT && config.signupEnabled,
  };
}

/**
 * The developer console of every tenant at {its base}/console/: the Vite build in dist/console, the tenant's settings
 * at /console/config.json, and index.html for every other path under /console/ so that client-side routes (including
 * the OAuth callback) load the app. Only files that exist in the build are served; nothing outside it can be named.
 */
export async function consoleRoutes(app: FastifyInstance, options: { bundle: BuiltBundle }): Promise<void> {
  const { bundle } = options;
  // Encapsulated in this plugin: reply.sendFile, without serving anything by itself.
  await app.register(fastifyStatic, {
    root: bundle.root,
    serve: false,
    suppressWarning: true,
    cacheControl: false,
    etag: true,
    lastModified: true,
  });

  const secure = (reply: FastifyReply) => reply.header('content-security-policy', CONSOLE_CSP);

  const sendIndex = (reply: FastifyReply) => {
    const index = bundle.page('index.html');
    secure(reply).header('cache-control', 'no-cache');
    if (!index) return sendNotBuilt(reply);
    return reply.type('text/html; charset=utf-8').send(index);
  };

  app.get('/console', { schema: { hide: true } }, async (request, reply) =>
    secure(reply).redirect(`${tenantBasePath(request)}/console/`, 301),
  );

  app.get('/console/config.json', { schema: { hide: true } }, async (request, reply) =>
    secure(reply).header('cache-control', 'no-store').send(settingsOf(request)),
  );

  const typed = app.withTypeProvider<RequestSchemaTypes>();
  typed.get('/console/*', { schema: { hide: true, params: wildcardParam } }, async (request, reply) => {
    const path = request.params['*'];
    if (bundle.current()?.files.has(path)) {
      secure(reply);
      // Vite puts a content hash in every name under assets/: those never change.
      reply.header('cache-control', path.startsWith('assets/') ? 'public, max-age=31536000, immutable' : 'public, max-age=3600');
      return reply.sendFile(path);
    }
    // A missing hashed asset is an error (a stale page after a deploy), not a client-side route.
    if (path.startsWith('assets/')) {
      return secure(reply).code(404).send({ error: 'not_found', error_description: 'no such console asset' });
    }
    return sendIndex(reply);
  });
}
