/**
 * Benchmark server: Gatehouse itself, as `gatehouse serve` runs it, on a throwaway store — SQLite in a temporary
 * directory, or a fresh PostgreSQL database when DATABASE_URL names a PostgreSQL server. Seeds one role and one
 * confidential client for client_credentials (which also introspects), a user with a password (argon2id, as
 * `gatehouse users create` does) and a confidential web app for the authorization code flow with refresh tokens, and
 * prints the ready line (bench/lib/protocol.ts).
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config.js';
import { ENDPOINT_PATHS } from '../../src/oauth/discovery.js';
import { startServer, type RunningServer } from '../../src/serve.js';
import { freePort } from '../lib/net.js';
import { createFreshDatabase, type FreshDatabase } from '../lib/postgres.js';
import { BENCH_REDIRECT_URI, BENCH_SCOPE, BENCH_USER, announceReady, exitOnShutdown, failStart } from '../lib/protocol.js';

async function main(): Promise<void> {
  const dataDir = await mkdtemp(join(tmpdir(), 'gatehouse-bench-'));
  let database: FreshDatabase | undefined;
  let server: RunningServer | undefined;
  const cleanup = async () => {
    await server?.close();
    await database?.drop();
    await rm(dataDir, { recursive: true, force: true });
  };
  exitOnShutdown(cleanup);
  try {
    const postgresServer = process.env.DATABASE_URL;
    if (postgresServer) database = await createFreshDatabase(postgresServer);
    const port = await freePort();
    // An explicit environment, so nothing from the runner's shell (GATEHOUSE_*, PORT…) changes what is measured.
    const config = loadConfig({
      PORT: String(port),
      HOST: '127.0.0.1',
      GATEHOUSE_ISSUER: `http://127.0.0.1:${port}`,
      GATEHOUSE_DATA_DIR: dataDir,
      GATEHOUSE_SECRET: randomBytes(32).toString('base64url'),
      GATEHOUSE_ACCESS_TOKEN_TTL: '1800',
      ...(database ? { DATABASE_URL: database.url } : {}),
    });
    server = await startServer(config, { logging: false });
    const { management } = server.gatehouse;
    await management.createRole({ name: 'bench', scopes: BENCH_SCOPE.split(' ') });
    const { client, clientSecret } = await management.createClient({ name: 'bench client', roles: ['bench'], grantTypes: ['client_credentials'] });
    if (!clientSecret) throw new Error('the bench client was created without a secret');
    await management.createUser({ username: BENCH_USER.username, password: BENCH_USER.password, name: 'Alice' });
    const web = await management.createClient({
      name: 'bench web app',
      grantTypes: ['authorization_code', 'refresh_token'],
      redirectUris: [BENCH_REDIRECT_URI],
    });
    if (!web.clientSecret) throw new Error('the bench web app was created without a secret');
    announceReady({
      ready: true,
      url: server.url,
      tokenEndpoint: config.issuer + ENDPOINT_PATHS.token,
      jwksUri: config.issuer + ENDPOINT_PATHS.jwks,
      issuer: config.issuer,
      clientId: client.client_id,
      clientSecret,
      audience: config.defaultAudience,
      scope: BENCH_SCOPE,
      introspection: { endpoint: config.issuer + ENDPOINT_PATHS.introspection, tokenParams: {}, tokenFormat: 'jwt' },
      codeFlow: {
        authorizationEndpoint: config.issuer + ENDPOINT_PATHS.authorization,
        clientId: web.client.client_id,
        clientSecret: web.clientSecret,
        redirectUri: BENCH_REDIRECT_URI,
        scope: 'openid offline',
        // Consent every time, as oidc-provider needs prompt=consent to grant offline_access: both do the same work.
        params: { prompt: 'consent' },
        username: BENCH_USER.username,
        password: BENCH_USER.password,
        audience: config.defaultAudience,
      },
    });
  } catch (error) {
    await cleanup().catch(() => {});
    failStart(error);
  }
}

await main();
