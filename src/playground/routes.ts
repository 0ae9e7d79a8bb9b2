import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import type { Gatehouse } from '../gatehouse.js';
import { DEMO_READ_SCOPE } from '../http/routes/demo-api.js';
import { PLAYGROUND_CLIENT_ID, playgroundRedirectUri } from '../management/builtins.js';
import { gatehousePlaygroundPlugin } from './swagger-ui-plugin.js';

export const PLAYGROUND_PATH = '/playground';

/** What the Authorize dialog asks for by default in the authorization code flow; more can be ticked there. */
export const PLAYGROUND_DEFAULT_SCOPES = ['openid', 'profile', 'email', DEMO_READ_SCOPE] as const;

/**
 * Swagger UI runs from this server only: scripts, styles, images and the calls it makes ("Try it out", the token
 * request) all go to 'self' or to the issuer's origin (which is 'self' unless the page is reached under another
 * name). It is never framed, and the page cannot be the base of other URLs.
 */
export function playgroundCsp(issuer: string): string {
  const origin = new URL(issuer).origin;
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    `connect-src 'self' ${origin}`,
    "form-action 'none'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

// Swagger UI's redirect page script (static/oauth2-redirect.js) hands the code to the window that opened it.
const REDIRECT_PAGE = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Gatehouse API playground: signing in</title></head>
<body>
<p>Returning to the API playground…</p>
<script src="static/oauth2-redirect.js"></script>
</body>
</html>
`;

/**
 * The API playground: Swagger UI over this server's OpenAPI document at /playground. Its Authorize dialog gets a
 * token by client credentials (the developer's own app client) or by authorization code with PKCE through the
 * built-in public client `gatehouse-playground`, then "Try it out" calls the APIs from the browser.
 */
export async function playgroundRoutes(app: FastifyInstance, gatehouse: Gatehouse): Promise<void> {
  const { issuer } = gatehouse.config;
  const csp = playgroundCsp(issuer);
  // Replaces the JSON endpoints' `default-src 'none'` for everything under /playground; frame-ancestors stays 'none'.
  app.addHook('onRequest', (_request, reply, done) => {
    reply.header('content-security-policy', csp);
    done();
  });

  await app.register(swaggerUi, {
    routePrefix: PLAYGROUND_PATH,
    theme: { title: 'Gatehouse API playground' },
    uiConfig: {
      deepLinking: true,
      persistAuthorization: false,
      tryItOutEnabled: true,
      displayRequestDuration: true,
      // No topbar: its "Explore" box would load any URL into the page.
      layout: 'BaseLayout',
      defaultModelsExpandDepth: -1,
      validatorUrl: null,
      plugins: [gatehousePlaygroundPlugin],
      // Read by the plugin above.
      gatehouseRedirectUrl: playgroundRedirectUri(issuer),
    } as Record<string, unknown>,
    initOAuth: {
      clientId: PLAYGROUND_CLIENT_ID,
      appName: 'Gatehouse API playground',
      usePkceWithAuthorizationCodeGrant: true,
      scopes: [...PLAYGROUND_DEFAULT_SCOPES],
    },
    validatorUrl: false,
  });

  app.get(`${PLAYGROUND_PATH}/oauth2-redirect.html`, { schema: { hide: true } }, async (_request, reply) =>
    reply.type('text/html; charset=utf-8').header('cache-control', 'no-store').send(REDIRECT_PAGE),
  );
}
