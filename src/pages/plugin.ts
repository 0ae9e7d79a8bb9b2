import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import cookie from '@fastify/cookie';
import type { FastifyInstance } from 'fastify';
import type { Gatehouse } from '../gatehouse.js';
import { answerErrors } from '../http/errors.js';
import { acceptFormBodies } from '../http/form-body.js';
import { parseParams } from '../oauth/form.js';
import { accountRoutes } from './account.js';
import { authorizeRoutes } from './authorize.js';
import { consentRoutes } from './consent.js';
import { PageContext } from './context.js';
import { loginRoutes } from './login.js';
import { logoutRoutes } from './logout.js';
import { packageRoot } from './package-root.js';

const PAGE_BODY_LIMIT = 16 * 1024;

/** Everything a browser sees: authorization endpoint, sign-in, consent, sign-out, account. */
export async function pagesPlugin(app: FastifyInstance, gatehouse: Gatehouse): Promise<void> {
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

  const pages = new PageContext(gatehouse);
  await authorizeRoutes(app, pages);
  await loginRoutes(app, pages);
  await consentRoutes(app, pages);
  await logoutRoutes(app, pages);
  await accountRoutes(app, pages);
}
