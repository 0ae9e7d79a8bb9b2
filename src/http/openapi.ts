import swagger from '@fastify/swagger';
import type { FastifyInstance } from 'fastify';
import type { Gatehouse } from '../gatehouse.js';

/** OpenAPI 3.1, generated from the route schemas, served at /openapi.json. Register before the routes. */
export async function registerOpenApi(app: FastifyInstance, gatehouse: Gatehouse): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'Gatehouse', version: '0.1.0', description: 'OAuth 2.1 / OpenID Connect authorization server' },
      servers: [{ url: gatehouse.config.issuer }],
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' },
          clientBasic: { type: 'http', scheme: 'basic', description: 'client_id and client_secret' },
        },
      },
    },
  });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
}

// @fastify/swagger augments `fastify`'s FastifySchema, but fastify re-exports that interface from here, where the
// augmentation does not reach; the documentation keys are declared where the interface lives.
declare module 'fastify/types/schema.js' {
  interface FastifySchema {
    hide?: boolean;
    summary?: string;
    description?: string;
    tags?: readonly string[];
    security?: ReadonlyArray<{ [securityLabel: string]: readonly string[] }>;
  }
}
