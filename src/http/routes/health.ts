import type { FastifyInstance } from 'fastify';
import type { Gatehouse } from '../../gatehouse.js';

const healthSchema = {
  type: 'object',
  properties: {
    status: { type: 'string', enum: ['ok', 'unavailable'] },
    database: {
      type: 'object',
      properties: { ok: { type: 'boolean' }, dialect: { type: 'string' }, latencyMs: { type: 'number' } },
    },
  },
} as const;

/** Liveness and database state, for load balancers and orchestrators. */
export async function healthRoutes(app: FastifyInstance, gatehouse: Gatehouse): Promise<void> {
  app.get(
    '/health',
    { schema: { summary: 'Health and database state', tags: ['operations'], response: { 200: healthSchema, 503: healthSchema } } },
    async (request, reply) => {
      const database = await gatehouse.store.health();
      // The reason goes to the log, not to an unauthenticated caller.
      if (!database.ok) request.log.error({ database: database.error }, 'database health check failed');
      reply.code(database.ok ? 200 : 503).header('cache-control', 'no-store');
      return { status: database.ok ? 'ok' : 'unavailable', database };
    },
  );
}
