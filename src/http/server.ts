import Fastify, { type FastifyInstance, LogController } from 'fastify';
import { accountRoutes } from '../admin/account-routes.js';
import { platformAdminRoutes } from '../admin/platform-routes.js';
import { adminRoutes } from '../admin/routes.js';
import { BuiltBundle, consoleBuildRoot } from '../console/bundle.js';
import { consoleRoutes } from '../console/routes.js';
import type { Gatehouse } from '../gatehouse.js';
import { pagesPlugin } from '../pages/plugin.js';
import { playgroundRoutes } from '../playground/routes.js';
import { capConnectionsPerAddress, trustedProxyPeers } from './connection-cap.js';
import { errorHandler, sendNotFound } from './errors.js';
import { LogDestination } from './log-destination.js';
import { loggerOptions } from './logger.js';
import { registerOpenApi } from './openapi.js';
import { demoApiRoutes } from './routes/demo-api.js';
import { healthRoutes } from './routes/health.js';
import { metricsRoutes } from './routes/metrics.js';
import { oauthEndpoints } from './routes/oauth-endpoints.js';
import { userInfoRoutes } from './routes/userinfo.js';
import { wellKnownRoutes } from './routes/well-known.js';
import { registerSecurityHeaders } from './security-headers.js';
import { confineTenantHosts, registerPerTenant } from './tenant-scope.js';
import { fastifyTrustProxy } from './trust-proxy.js';

export interface HttpServerOptions {
  /** false silences the logger (tests); otherwise pino at the configured level. */
  logging?: boolean;
}

/** The HTTP edge: Fastify with every route plugin, the security headers and the one error handler. */
export async function buildHttpServer(gatehouse: Gatehouse, options: HttpServerOptions = {}): Promise<FastifyInstance> {
  const { config, metrics } = gatehouse;
  const app = Fastify({
    logger: options.logging === false ? false : loggerOptions(config.logLevel, new LogDestination((code) => metrics.logWriteFailed(code))),
    // One log line per request costs throughput and tells nothing the metrics do not; errors are still logged.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: 64 * 1024,
    trustProxy: fastifyTrustProxy(config.trustProxy),
    // Slow or stalled clients must not hold sockets open. Node enforces the headers and request timeouts only when
    // it checks its connections, every 30 s by default; checked every second, a request at 1 byte/s is cut off
    // (408) within a second of its deadline instead of up to 30 s after it.
    http: { headersTimeout: config.httpHeadersTimeoutMs, requestTimeout: config.httpRequestTimeoutMs, connectionsCheckingInterval: 1000 },
    requestTimeout: config.httpRequestTimeoutMs,
    keepAliveTimeout: config.httpKeepAliveTimeoutMs,
    connectionTimeout: 60_000,
    return503OnClosing: true,
    routerOptions: { ignoreTrailingSlash: false, maxParamLength: 200 },
    // A field the schema does not know is a mistake to report (a typo in "grace_seconds" must not become the
    // default), not something to drop silently.
    ajv: { customOptions: { removeAdditional: false } },
  });
  // Past the cap Node closes new connections at once, so a flood of idle sockets cannot exhaust file descriptors.
  app.server.maxConnections = config.httpMaxConnections;
  const proxies = trustedProxyPeers(config.trustProxy);
  if (proxies) capConnectionsPerAddress(app.server, config.httpMaxConnectionsPerAddress, proxies);
  registerSecurityHeaders(app, config.issuer);
  // Every request has the same shape (Fastify's advice): bearerAuth sets the principal on protected routes only.
  app.decorateRequest('principal', null);
  app.decorateRequest('tenant', null);
  app.setErrorHandler(errorHandler(gatehouse.metrics));
  app.setNotFoundHandler(sendNotFound);
  confineTenantHosts(app, gatehouse.routing);

  await registerOpenApi(app, gatehouse);
  const bundle = new BuiltBundle(consoleBuildRoot());
  if (!bundle.current()) app.log.warn(`the console is not built (no ${bundle.root}/index.html): run npm run build`);
  // Every tenant's protocol endpoints, pages, admin API, console and playground; the demo API is the platform's.
  await registerPerTenant(app, gatehouse, async (scope) => {
    await scope.register(oauthEndpoints, gatehouse);
    await scope.register(wellKnownRoutes);
    await scope.register(userInfoRoutes);
    await scope.register(pagesPlugin);
    await scope.register(adminRoutes, gatehouse);
    await scope.register(consoleRoutes, { bundle });
    await scope.register(playgroundRoutes, { gatehouse, bundle });
  });
  await app.register(healthRoutes, gatehouse);
  await app.register(metricsRoutes, gatehouse);
  await app.register(demoApiRoutes, gatehouse);
  // The platform's own admin API (tenants) at the root, for the default tenant's admins only.
  await app.register(platformAdminRoutes, gatehouse);
  // People's own accounts (/me), at the root: people are the platform's users.
  await app.register(accountRoutes, gatehouse);
  await app.ready();
  return app;
}
