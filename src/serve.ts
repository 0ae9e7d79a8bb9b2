import type { FastifyInstance } from 'fastify';
import type { Config } from './config.js';
import { createGatehouse, type Gatehouse, type GatehouseOptions } from './gatehouse.js';
import { buildHttpServer } from './http/server.js';
import { resealedNotice } from './keys/master-key-rotation.js';
import { schedulePurges } from './purge-schedule.js';

/** Said at every start with GATEHOUSE_DEV_ALLOW_LOOPBACK_FETCH=on: it must never reach production. */
export const LOOPBACK_FETCH_WARNING =
  'GATEHOUSE_DEV_ALLOW_LOOPBACK_FETCH=on: the outbound fetcher may reach loopback addresses, over http too; for development only, never in production';

export interface RunningServer {
  app: FastifyInstance;
  gatehouse: Gatehouse;
  url: string;
  /**
   * Stops accepting connections, lets in-flight requests finish for up to `config.shutdownTimeoutMs`, then closes
   * the connections that are left (a slow or stalled client) and the store.
   */
  close(): Promise<void>;
}

/** Opens the store, makes sure signing keys and page keys exist, and listens. `port: 0` picks a free port. */
export interface StartOptions extends Pick<GatehouseOptions, 'grants'> {
  /** false silences the logger (tests). */
  logging?: boolean;
  /** false leaves purging to whoever calls `purgeExpired` (a test that counts what one purge removes). */
  purges?: boolean;
}

export async function startServer(config: Config, options: StartOptions = {}): Promise<RunningServer> {
  const gatehouse = await createGatehouse(config, { grants: options.grants });
  let app: FastifyInstance | undefined;
  try {
    const { resealed } = await gatehouse.prepareKeys();
    await gatehouse.management.clients.ensureBuiltinClients();
    app = await buildHttpServer(gatehouse, options);
    if (resealed > 0) app.log.warn(resealedNotice(resealed));
    if (config.devAllowLoopbackFetch) app.log.warn(LOOPBACK_FETCH_WARNING);
    await app.listen({ port: config.port, host: config.host });
  } catch (error) {
    await app?.close();
    await gatehouse.close();
    throw error;
  }
  const purges =
    options.purges === false
      ? { stop: async () => {} }
      : schedulePurges(() => gatehouse.purgeExpired(), config.purgeInterval * 1000, app.log);
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  const running = app;
  return {
    app: running,
    gatehouse,
    url: `http://${host}:${port}`,
    close: async () => {
      const purgesStopped = purges.stop();
      // A slow client must not hold the process past an orchestrator's own deadline (Kubernetes sends SIGKILL 30 s
      // after SIGTERM): what has not finished by ours is cut off.
      const deadline = setTimeout(() => {
        running.log.warn(`shutdown: requests still open after ${config.shutdownTimeoutMs} ms; closing their connections`);
        running.server.closeAllConnections();
      }, config.shutdownTimeoutMs);
      try {
        await running.close();
      } finally {
        clearTimeout(deadline);
      }
      await purgesStopped;
      await gatehouse.close();
    },
  };
}
