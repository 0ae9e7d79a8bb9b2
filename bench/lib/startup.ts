import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { Agent } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { track } from './child.js';
import { ConnectionError, postBasic } from './http.js';
import { freePort } from './net.js';
import { GATEHOUSE_NODE_FLAGS } from './node-flags.js';
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

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Spawns a process whose stdout is drained and discarded; stderr is kept for the error message. */
function start(
  script: string,
  args: string[],
  env: NodeJS.ProcessEnv,
): { child: ChildProcess; stderr: () => string; exited: Promise<number | null> } {
  const child = spawn(process.execPath, [...GATEHOUSE_NODE_FLAGS, script, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  track(child);
  let stderr = '';
  child.stdout!.resume();
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString('utf8')).slice(-4000);
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, stderr: () => stderr, exited };
}

async function stop(child: ChildProcess, exited: Promise<unknown>): Promise<void> {
  if (child.exitCode === null && child.signalCode === null) {
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
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
  const dataDir = await mkdtemp(join(tmpdir(), 'gatehouse-bench-startup-'));
  let database: FreshDatabase | undefined;
  const agent = new Agent({ keepAlive: false });
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

    const seed = start(SEED, [], env);
    let seedOut = '';
    seed.child.stdout!.removeAllListeners('data');
    seed.child.stdout!.on('data', (chunk: Buffer) => (seedOut += chunk.toString('utf8')));
    if ((await seed.exited) !== 0) throw new Error(`seeding the store failed: ${seed.stderr().trim().split('\n').at(-1) ?? ''}`);
    const { clientId, clientSecret } = JSON.parse(seedOut.trim().split('\n').at(-1)!) as { clientId: string; clientSecret: string };
    const tokenUrl = new URL(TOKEN_PATH, issuer);
    const requestToken = () => postBasic(tokenUrl, clientId, clientSecret, { grant_type: 'client_credentials' }, agent);

    // 1. Idle memory: nothing is sent to the server before VmRSS is read.
    const idle = start(CLI, ['serve'], env);
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
      await stop(idle.child, idle.exited);
    }

    // 2. Time to first token, from spawn.
    const machineBefore = readMachineBusySeconds();
    const ownBefore = process.cpuUsage();
    const startedAt = performance.now();
    const cold = start(CLI, ['serve'], env);
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
      await stop(cold.child, cold.exited);
    }
    return { idleRssBytes, idleSeconds, firstTokenMs, pollMs, attempts, rssAfterFirstTokenBytes, serverCpuMs, otherCpuPercent };
  } finally {
    agent.destroy();
    await database?.drop().catch(() => {});
    await rm(dataDir, { recursive: true, force: true });
  }
}
