import type { FastifyInstance } from 'fastify';
import type { Gatehouse } from '../../gatehouse.js';

const LOOPBACK = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);

/**
 * GET /metrics in the Prometheus text format. Only loopback clients may read it unless
 * GATEHOUSE_METRICS_PUBLIC=on: counts of errors and tokens are operational detail, not for every visitor.
 */
export async function metricsRoutes(app: FastifyInstance, gatehouse: Gatehouse): Promise<void> {
  const { metrics } = gatehouse;
  app.get(
    '/metrics',
    { schema: { summary: 'Prometheus metrics', tags: ['operations'], produces: ['text/plain'] } },
    async (request, reply) => {
      if (!gatehouse.config.publicMetrics && !LOOPBACK.has(request.ip)) {
        return reply.code(403).send({
          error: 'forbidden',
          error_description: 'metrics are served to loopback clients only (GATEHOUSE_METRICS_PUBLIC=on to change)',
        });
      }
      return reply
        .header('cache-control', 'no-store')
        .type(metrics.registry.contentType)
        .send(await metrics.registry.metrics());
    },
  );
}
