import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import cookie from '@fastify/cookie';
import type { FastifyInstance } from 'fastify';
import { answerErrors } from '../http/errors.js';
import { acceptFormBodies } from '../http/form-body.js';
import { tenantOf } from '../http/tenant-scope.js';
import { parseParams } from '../oauth/form.js';
import { accountRoutes } from './account.js';
import { authorizeRoutes } from './authorize.js';
import { consentRoutes } from './consent.js';
import { Pages } from './context.js';
import { homeRoutes } from './home.js';
import { loginRoutes } from './login.js';
import { logoutRoutes } from './logout.js';
import { packageRoot } from './package-root.js';
import { setupRoutes } from './setup.js';

const PAGE_BODY_LIMIT = 16 * 1024;

/** Everything a browser sees: the front page, authorization endpoint, sign-in, consent, sign-out, account. */
export async function pagesPlugin(app: FastifyInstance): Promise<void> {
  await app.register(cookie);
  acceptFormBodies(app, parseParams, PAGE_BODY_LIMIT);

  // Errors here are shown to a person as a page, never as JSON or a stack trace.
  answerErrors(app, { page: true });

  for (const [file, type, paths] of [
    ['gatehouse.css', 'text/css; charset=utf-8', ['/assets/gatehouse.css']],
    // Browsers ask for /favicon.ico whatever the page says; the console and the playground get it too.
    ['favicon.svg', 'image/svg+xml', ['/assets/favicon.svg', '/favicon.ico']],
  ] as const) {
    const content = readFileSync(join(packageRoot(), 'public', file));
    for (const path of paths) {
      app.get(path, { schema: { hide: true } }, async (_request, reply) =>
        reply.type(type).header('cache-control', 'public, max-age=3600').send(content),
      );
    }
  }

  // The tenant's colour (settings.primary_color, validated #rrggbb) as the pages' accent; a style attribute would
  // need 'unsafe-inline' in the CSP.
  app.get('/assets/brand.css', { schema: { hide: true } }, async (request, reply) => {
    const color = tenantOf(request).tenant.settings.primaryColor;
    return reply
      .type('text/css; charset=utf-8')
      .header('cache-control', 'public, max-age=3600')
      .send(color === undefined ? '' : `:root {\n  --accent: ${color};\n  --accent-dark: ${darker(color)};\n}\n`);
  });

  const pages = new Pages();
  await homeRoutes(app, pages);
  await authorizeRoutes(app, pages);
  await loginRoutes(app, pages);
  await consentRoutes(app, pages);
  await logoutRoutes(app, pages);
  await accountRoutes(app, pages);
  await setupRoutes(app, pages);
}

/** The colour at 80% of its brightness: the accent's hover and pressed shade. */
function darker(color: string): string {
  const channels = [1, 3, 5].map((start) => Math.round(Number.parseInt(color.slice(start, start + 2), 16) * 0.8));
  return `#${channels.map((channel) => channel.toString(16).padStart(2, '0')).join('')}`;
}
