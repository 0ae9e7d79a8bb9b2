import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { Agent } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { spawnScript, stopScript } from './child.js';
import { ConnectionError, postBasic } from './http.js';
import { freePort } from './net.js';
import { createFreshDatabase, type FreshDatabase } from './postgres.js';
import { readCpuSeconds, readMachineBusySeconds, readRss } from './proc.js';

/** The real command line, as `npm start` runs it. */
const CLI = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const SEED = fileURLToPath(new URL('../servers/gatehouse-seed.js', import.meta.url));
const TOKEN_PATH = '/oauth2/token';

export interface StartupResult {
  /** VmRSS of `gatehouse serve` after `idleSeconds` of idling, before it answered anything. */
  idleRssBytes: number | undefined;
  idleSeconds: number;
  /** From spawn to the first 200 of the token endpoint (client_credentials), polled every `pollMs`. */
  firstTokenMs: number;
  pollMs: number;
  /** Attempts until that first 200 (connection refused or not yet ready before). */
  attempts: number;
  /** VmRSS right after the first token. */
  rssAfterFirstTokenBytes: number | undefined;
  /** CPU the server used from spawn to first token, in ms (user + system, all threads). */
  serverCpuMs: number | undefined;
  /** CPU everything else (this runner excluded) used from spawn to first token, as % of one core. */
  otherCpuPercent: number | undefined;
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Runs a seed script (bench/servers/*-seed.ts) to its end and parses the one line of JSON it prints last. A seed that
 * has not finished within `timeoutMs` is killed and the run fails: a hung seed (a process blocked for good, as
 * Node 20's generateKeyPairSync + JWK export can leave it) must not hold the whole benchmark.
 */
export async function runSeed<T>(script: string, env: NodeJS.ProcessEnv, timeoutMs = 180_000): Promise<T> {
  const seed = spawnScript(script, [], env, { keepStdout: true });
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    seed.child.kill('SIGKILL');
  }, timeoutMs);
  const code = await seed.exited;
  clearTimeout(timer);
  if (timedOut) throw new Error(`seeding the store did not finish within ${timeoutMs / 1000} s; killed`);
  if (code !== 0) throw new Error(`seeding the store failed: ${seed.stderr().trim().split('\n').at(-1) ?? ''}`);
  return JSON.parse(seed.stdout().trim().split('\n').at(-1)!) as T;
}

export interface ThrowawayStore {
  /** The environment of `gatehouse serve` and the seeds on it: its own port, data directory, secret and database. */
  env: NodeJS.ProcessEnv;
  issuer: string;
  /** Drops the database and removes the data directory. */
  dispose(): Promise<void>;
}

/**
 * A Gatehouse store for one measurement, on a free port: SQLite in a new temporary directory, or a fresh database on
 * the PostgreSQL server `postgresServer`. Nothing of the runner's own GATEHOUSE_* or database settings reaches it
 * beyond `env`.
 */
export async function throwawayStore(options: { env: NodeJS.ProcessEnv; postgresServer?: string }): Promise<ThrowawayStore> {
  const dataDir = await mkdtemp(join(tmpdir(), 'gatehouse-bench-'));
  let database: FreshDatabase | undefined;
  const dispose = async () => {
    await database?.drop().catch(() => {});
    await rm(dataDir, { recursive: true, force: true });
  };
  try {
    if (options.postgresServer) database = await createFreshDatabase(options.postgresServer);
    const port = await freePort();
    const issuer = `http://127.0.0.1:${port}`;
    const env: NodeJS.ProcessEnv = {
      ...options.env,
      NODE_ENV: 'production',
      PORT: String(port),
      HOST: '127.0.0.1',
      GATEHOUSE_ISSUER: issuer,
      GATEHOUSE_DATA_DIR: dataDir,
      GATEHOUSE_SECRET: randomBytes(32).toString('base64url'),
    };
    delete env.TEST_DATABASE_URL;
    delete env.DATABASE_URL;
    if (database) env.DATABASE_URL = database.url;
    return { env, issuer, dispose };
  } catch (error) {
    await dispose();
    throw error;
  }
}

/**
 * Idle memory and time to first token of `gatehouse serve` (dist/src/cli/main.js, the real command) on a store
 * prepared beforehand (schema, keys, one client): one start left idle for `idleSeconds` before VmRSS is read, and
 * one start polled from spawn until the token endpoint answers 200. `postgresServer` selects PostgreSQL (a fresh
 * database), SQLite otherwise.
 */
export async function measureStartup(options: {
  postgresServer?: string;
  idleSeconds?: number;
  pollMs?: number;
  env: NodeJS.ProcessEnv;
}): Promise<StartupResult> {
  const idleSeconds = options.idleSeconds ?? 3;
  const pollMs = options.pollMs ?? 10;
  const store = await throwawayStore({ env: options.env, ...(options.postgresServer ? { postgresServer: options.postgresServer } : {}) });
  const { env, issuer } = store;
  const agent = new Agent({ keepAlive: false });
  try {
    const { clientId, clientSecret } = await runSeed<{ clientId: string; clientSecret: string }>(SEED, env);
    const tokenUrl = new URL(TOKEN_PATH, issuer);
    const requestToken = () => postBasic(tokenUrl, clientId, clientSecret, { grant_type: 'client_credentials' }, agent);

    // 1. Idle memory: nothing is sent to the server before VmRSS is read.
    const idle = spawnScript(CLI, ['serve'], env);
    let idleRssBytes: number | undefined;
    try {
      await sleep(idleSeconds * 1000);
      if (idle.child.exitCode !== null) throw new Error(`gatehouse serve exited: ${idle.stderr().trim()}`);
      idleRssBytes = readRss(idle.child.pid!)?.rss;
      // It was up (and is now answering), so the reading was of a started server.
      const answer = await requestToken();
      if (answer.status !== 200)
        throw new Error(`after ${idleSeconds} s idle the token endpoint answered ${answer.status}: ${answer.body.slice(0, 200)}`);
    } finally {
      await stopScript(idle);
    }

    // 2. Time to first token, from spawn.
    const machineBefore = readMachineBusySeconds();
    const ownBefore = process.cpuUsage();
    const startedAt = performance.now();
    const cold = spawnScript(CLI, ['serve'], env);
    let attempts = 0;
    let firstTokenMs: number | undefined;
    let rssAfterFirstTokenBytes: number | undefined;
    let serverCpuMs: number | undefined;
    let otherCpuPercent: number | undefined;
    try {
      while (firstTokenMs === undefined) {
        if (cold.child.exitCode !== null) throw new Error(`gatehouse serve exited: ${cold.stderr().trim()}`);
        if (performance.now() - startedAt > 30_000) throw new Error('no token within 30 s of starting');
        attempts++;
        try {
          const answer = await requestToken();
          if (answer.status === 200) firstTokenMs = performance.now() - startedAt;
        } catch (error) {
          if (!(error instanceof ConnectionError)) throw error;
        }
        if (firstTokenMs === undefined) await sleep(pollMs);
      }
      const serverCpu = readCpuSeconds(cold.child.pid!);
      const machineAfter = readMachineBusySeconds();
      const own = process.cpuUsage(ownBefore);
      rssAfterFirstTokenBytes = readRss(cold.child.pid!)?.rss;
      serverCpuMs = serverCpu === undefined ? undefined : serverCpu * 1000;
      if (serverCpu !== undefined && machineBefore !== undefined && machineAfter !== undefined) {
        const other = machineAfter - machineBefore - serverCpu - (own.user + own.system) / 1e6;
        otherCpuPercent = Math.max(0, (100 * other) / (firstTokenMs / 1000));
      }
    } finally {
      await stopScript(cold);
    }
    return { idleRssBytes, idleSeconds, firstTokenMs, pollMs, attempts, rssAfterFirstTokenBytes, serverCpuMs, otherCpuPercent };
  } finally {
    agent.destroy();
    await store.dispose();
  }
}
