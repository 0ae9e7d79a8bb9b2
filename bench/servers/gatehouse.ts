/**
 * Benchmark server: Gatehouse itself, as `gatehouse serve` runs it, on a throwaway store — SQLite in a temporary
 * directory, or a fresh PostgreSQL database when DATABASE_URL names a PostgreSQL server. Seeds one role and one
 * confidential client for client_credentials (which also introspects), a user with a password (argon2id, as
 * `gatehouse users create` does) and a confidential web app for the authorization code flow with refresh tokens, and
 * prints the ready line (bench/lib/protocol.ts).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { systemActor } from '../../src/admin/audit-log.js';
import { loadConfig } from '../../src/config.js';
import { ENDPOINT_PATHS } from '../../src/oauth/discovery.js';
import { type RunningServer, startServer } from '../../src/serve.js';
import { startGrowthControl } from '../lib/growth-control.js';
import { freePort } from '../lib/net.js';
import { GATEHOUSE_NODE_FLAGS } from '../lib/node-flags.js';
import { createFreshDatabase, type FreshDatabase } from '../lib/postgres.js';
import { announceReady, BENCH_REDIRECT_URI, BENCH_SCOPE, BENCH_USER, exitOnShutdown, failStart } from '../lib/protocol.js';
import { createBenchClient } from '../lib/seed.js';

/** With BENCH_WORKERS > 1 the seeded store is served by the real `gatehouse serve --workers N` (node:cluster). */
async function serveWithWorkers(env: Record<string, string>, workers: number, issuer: string): Promise<ChildProcess> {
  const cli = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
  const child = spawn(process.execPath, [...GATEHOUSE_NODE_FLAGS, cli, 'serve', '--workers', String(workers)], {
    env: { PATH: process.env.PATH ?? '', NODE_ENV: 'production', GATEHOUSE_LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  for (let i = 0; i < 200; i++) {
    if (child.exitCode !== null) throw new Error(`gatehouse serve --workers ${workers} exited with ${child.exitCode}`);
    const healthy = await fetch(`${issuer}/health`).then(
      (r) => r.ok,
      () => false,
    );
    if (healthy) return child;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  child.kill('SIGTERM');
  throw new Error(`gatehouse serve --workers ${workers} did not become healthy`);
}

async function main(): Promise<void> {
  const dataDir = await mkdtemp(join(tmpdir(), 'gatehouse-bench-'));
  let database: FreshDatabase | undefined;
  let server: RunningServer | undefined;
  let cluster: ChildProcess | undefined;
  let control: Awaited<ReturnType<typeof startGrowthControl>> | undefined;
  const cleanup = async () => {
    await control?.close();
    if (cluster && cluster.exitCode === null) {
      const exited = new Promise((resolve) => cluster!.once('exit', resolve));
      cluster.kill('SIGTERM');
      await exited;
    }
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
    const env = {
      PORT: String(port),
      HOST: '127.0.0.1',
      GATEHOUSE_ISSUER: `http://127.0.0.1:${port}`,
      GATEHOUSE_DATA_DIR: dataDir,
      GATEHOUSE_SECRET: randomBytes(32).toString('base64url'),
      GATEHOUSE_ACCESS_TOKEN_TTL: '1800',
      // Every flow loop signs in as the same user at once, and each sign-in counts against the account's free failures
      // until its password is found right (so parallel guesses get no more evaluations than that): with the default
      // 3, the fourth parallel sign-in waits with 429. The loops stand for different people, so the account's
      // allowance covers them all; the per-address one (20) already does.
      GATEHOUSE_SIGN_IN_FREE_FAILURES: '64',
      ...(database ? { DATABASE_URL: database.url } : {}),
    };
    const config = loadConfig(env);
    // The growth scenario purges when it asks (its control port), never on the server's own schedule.
    const growth = process.env.BENCH_GROWTH_CONTROL === 'on';
    server = await startServer(config, { logging: false, ...(growth ? { purges: false } : {}) });
    if (growth) control = await startGrowthControl(server.gatehouse);
    const { management } = server.gatehouse;
    const { clientId, clientSecret } = await createBenchClient(management);
    await management.users.createUser({ username: BENCH_USER.username, password: BENCH_USER.password, name: 'Alice' });
    const web = await management.clients.createClient(
      {
        name: 'bench web app',
        grantTypes: ['authorization_code', 'refresh_token'],
        redirectUris: [BENCH_REDIRECT_URI],
      },
      systemActor(),
    );
    if (!web.clientSecret) throw new Error('the bench web app was created without a secret');
    const workers = Number(process.env.BENCH_WORKERS ?? '1');
    if (workers > 1) {
      await server.close();
      server = undefined;
      cluster = await serveWithWorkers(env, workers, config.issuer);
    }
    announceReady({
      ready: true,
      url: config.issuer,
      tokenEndpoint: config.issuer + ENDPOINT_PATHS.token,
      jwksUri: config.issuer + ENDPOINT_PATHS.jwks,
      issuer: config.issuer,
      clientId,
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
      ...(control ? { control: control.url } : {}),
    });
  } catch (error) {
    await cleanup().catch(() => {});
    failStart(error);
  }
}

await main();
