import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { freePort } from '../../bench/lib/net.js';
import { systemActor } from '../../src/admin/audit-log.js';
import { type Config, loadConfig } from '../../src/config.js';
import type { NewClientInput } from '../../src/management/clients.js';
import { type RunningServer, type StartOptions, startServer } from '../../src/serve.js';
import type { Backend } from './backends.js';

export { freePort };

export interface TestServer {
  url: string;
  issuer: string;
  config: Config;
  server: RunningServer;
  /** Environment that points the CLI at the same store. */
  env: Record<string, string>;
  createClient(input?: Partial<NewClientInput>): Promise<{ clientId: string; clientSecret: string }>;
  createRole(name: string, scopes: string[]): Promise<void>;
  /** Stops the server and starts it again on the same store, port and settings (`server` is then the new one). */
  restart(): Promise<void>;
  close(): Promise<void>;
}

/** A fresh, empty PostgreSQL database on the test server; dropped by the returned function. */
export async function createPostgresDatabase(serverUrl: string): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `gatehouse_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const client = new pg.Client({ connectionString: serverUrl });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await client.end();
    },
  };
}

/** The real server on a free port with a temporary store of the given backend, plus shortcuts to seed it. */
export async function startTestServer(
  backend: Backend,
  env: Record<string, string> = {},
  options: Omit<StartOptions, 'logging'> = {},
): Promise<TestServer> {
  const dataDir = await mkdtemp(join(tmpdir(), 'gatehouse-test-'));
  const database = backend.postgresUrl ? await createPostgresDatabase(backend.postgresUrl) : undefined;
  const secret = randomBytes(32).toString('base64url');
  const settings = (port: number): Record<string, string> => ({
    PORT: String(port),
    HOST: '127.0.0.1',
    GATEHOUSE_ISSUER: `http://127.0.0.1:${port}`,
    GATEHOUSE_DATA_DIR: dataDir,
    GATEHOUSE_SECRET: secret,
    ...(database ? { DATABASE_URL: database.url } : {}),
    ...env,
  });
  let serverEnv = settings(await freePort());
  let config = loadConfig(serverEnv);
  const start = () => startServer(config, { logging: false, ...options });
  let server: RunningServer;
  // The issuer names the port, so it is chosen before listening; another test listening on port 0 can take it in
  // between. Such a race is retried on a new port (a failed start closes what it opened).
  for (let attempt = 1; ; attempt++) {
    try {
      server = await start();
      break;
    } catch (error) {
      if (attempt === 5 || env.PORT || (error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error;
      serverEnv = settings(await freePort());
      config = loadConfig(serverEnv);
    }
  }
  return {
    url: server.url,
    issuer: config.issuer,
    config,
    get server() {
      return server;
    },
    env: serverEnv,
    async createClient(input = {}) {
      const created = await server.gatehouse.management.clients.createClient({ name: 'test client', ...input }, systemActor());
      const { client, clientSecret } = created;
      return { clientId: client.client_id, clientSecret: clientSecret ?? '' };
    },
    async createRole(name, scopes) {
      await server.gatehouse.management.roles.createRole({ name, scopes }, systemActor());
    },
    async restart() {
      await server.close();
      server = await start();
    },
    async close() {
      await server.close();
      await database?.drop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
