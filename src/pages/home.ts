import type { FastifyInstance } from 'fastify';
import { DEFAULT_TENANT } from '../ports/tenants.js';
import type { Pages } from './context.js';
import { sendPage } from './render.js';

/**
 * The front page of a tenant's issuer: where its console, playground, discovery and account page are, and (the
 * default tenant's) the OpenAPI document. On a first run it says how the first administrator is made: the platform's
 * setup page (setup.ts) or the CLI.
 */
export async function homeRoutes(app: FastifyInstance, all: Pages): Promise<void> {
  app.get('/', { schema: { hide: true } }, async (request, reply) => {
    const { gatehouse } = all.of(request);
    const isDefault = gatehouse.tenant.id === DEFAULT_TENANT;
    return sendPage(reply, 'home', {
      title: 'Welcome',
      issuer: gatehouse.config.issuer,
      openapi: isDefault,
      noAdministrator: !(await gatehouse.management.users.hasAdministrator()),
      tenantOption: isDefault ? '' : ` --tenant ${gatehouse.tenant.id}`,
      // Only the platform has a setup page; a tenant's administrators come from the platform.
      setupUrl: isDefault ? '/setup' : undefined,
    });
  });
}
