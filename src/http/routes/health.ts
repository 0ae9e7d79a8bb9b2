import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import type { Gatehouse } from '../../gatehouse.js';
import { SIGNING_ALGORITHMS } from '../../keys/key-store.js';
import { probeWrite } from '../../store/write-probe.js';

const check = {
  type: 'object',
  properties: { ok: { type: 'boolean' }, latencyMs: { type: 'number' } },
  required: ['ok'],
} as const;

const readinessProperties = {
  store_write: { ...check, description: 'A tiny write committed to the store within 2 s' },
  signing_keys: { ...check, description: 'An active signing key of every algorithm opens with the master key' },
} as const;

const liveSchema = {
  type: 'object',
  properties: { status: { type: 'string', enum: ['ok'] } },
  required: ['status'],
} as const;

const readySchema = {
  type: 'object',
  properties: { status: { type: 'string', enum: ['ok', 'unavailable'] }, ...readinessProperties },
  required: ['status', 'store_write', 'signing_keys'],
} as const;

const healthSchema = {
  type: 'object',
  properties: {
    status: { type: 'string', enum: ['ok', 'unavailable'] },
    database: {
      type: 'object',
      properties: { ok: { type: 'boolean' }, dialect: { type: 'string' }, latencyMs: { type: 'number' } },
    },
    ready: { type: 'object', properties: { ok: { type: 'boolean' }, ...readinessProperties } },
  },
} as const;

interface Readiness {
  ok: boolean;
  store_write: { ok: boolean; latencyMs?: number };
  signing_keys: { ok: boolean };
}

/** Can this process do its work now: commit a write, and sign with every algorithm. Reasons go to the log only. */
async function readiness(gatehouse: Gatehouse, log: FastifyBaseLogger): Promise<Readiness> {
  const [write, keys] = await Promise.all([
    probeWrite(gatehouse.store),
    Promise.all(SIGNING_ALGORITHMS.map((alg) => gatehouse.keys.signingKey(alg))).then(
      (): { ok: boolean; error?: string } => ({ ok: true }),
      (error: unknown) => ({ ok: false, error: error instanceof Error ? error.message : String(error) }),
    ),
  ]);
  if (!write.ok) log.error({ reason: write.error }, 'readiness: the store cannot be written');
  if (!keys.ok) log.error({ reason: keys.error }, 'readiness: signing keys are unavailable');
  const storeWrite = write.ok ? { ok: true, latencyMs: write.latencyMs! } : { ok: false };
  return { ok: write.ok && keys.ok, store_write: storeWrite, signing_keys: { ok: keys.ok } };
}

/**
 * For load balancers and orchestrators: liveness (the process answers; restart it if not), readiness (send it
 * traffic only while it can write and sign) and the summary of both with the database state.
 */
export async function healthRoutes(app: FastifyInstance, gatehouse: Gatehouse): Promise<void> {
  app.get(
    '/health/live',
    {
      schema: {
        summary: 'Liveness: the process serves requests (touches nothing else)',
        tags: ['operations'],
        response: { 200: liveSchema },
      },
    },
    async (_request, reply) => {
      reply.header('cache-control', 'no-store');
      return { status: 'ok' };
    },
  );
  app.get(
    '/health/ready',
    {
      schema: {
        summary: 'Readiness: the store can be written and signing keys are available',
        tags: ['operations'],
        response: { 200: readySchema, 503: readySchema },
      },
    },
    async (request, reply) => {
      const { ok, ...checks } = await readiness(gatehouse, request.log);
      reply.code(ok ? 200 : 503).header('cache-control', 'no-store');
      return { status: ok ? 'ok' : 'unavailable', ...checks };
    },
  );
  app.get(
    '/health',
    {
      schema: { summary: 'Health: database state and readiness', tags: ['operations'], response: { 200: healthSchema, 503: healthSchema } },
    },
    async (request, reply) => {
      const [database, ready] = await Promise.all([gatehouse.store.health(), readiness(gatehouse, request.log)]);
      // The reason goes to the log, not to an unauthenticated caller.
      if (!database.ok) request.log.error({ database: database.error }, 'database health check failed');
      const ok = database.ok && ready.ok;
      reply.code(ok ? 200 : 503).header('cache-control', 'no-store');
      const { ok: readyOk, ...checks } = ready;
      return { status: ok ? 'ok' : 'unavailable', database, ready: { ok: readyOk, ...checks } };
    },
  );
}
