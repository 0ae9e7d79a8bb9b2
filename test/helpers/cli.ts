import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Backend } from './backends.js';
import { createPostgresDatabase } from './server.js';

/** The compiled CLI, as `npm start` and the `gatehouse` bin run it. */
export const CLI = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Only what a process needs to run, plus the given Gatehouse environment: DATABASE_URL and friends are never
 * inherited from the test runner, so a SQLite run really is SQLite.
 */
export function isolatedEnv(env: Record<string, string>): Record<string, string> {
  const base: Record<string, string> = {};
  for (const name of ['PATH', 'HOME', 'TMPDIR', 'LANG', 'SYSTEMROOT']) {
    const value = process.env[name];
    if (value !== undefined) base[name] = value;
  }
  return { ...base, ...env };
}

/** Runs `gatehouse ARGS…` in a fresh node process and collects its output. */
export function gatehouse(env: Record<string, string>, ...args: string[]): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { env: isolatedEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Runs a `--json` command that must succeed, and parses its whole stdout as one JSON document. */
export async function gatehouseJson<T = any>(env: Record<string, string>, ...args: string[]): Promise<T> {
  const result = await gatehouse(env, ...args, '--json');
  if (result.code !== 0) throw new Error(`gatehouse ${args.join(' ')} exited ${result.code}: ${result.stderr}`);
  return JSON.parse(result.stdout) as T;
}

export interface ServeProcess {
  url: string;
  child: ChildProcess;
  /** Everything the process wrote, for failure messages. */
  output(): string;
  stop(): Promise<void>;
}

/** Spawns `gatehouse serve ARGS…` and waits until /health answers 200. Always call stop(), even after a failure. */
export async function spawnServe(env: Record<string, string>, url: string, args: string[] = []): Promise<ServeProcess> {
  const child = spawn(process.execPath, [CLI, 'serve', ...args], { env: isolatedEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const serve: ServeProcess = {
    url,
    child,
    output: () => output,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(killer);
    },
  };
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`gatehouse serve exited with ${child.exitCode}:\n${output}`);
    try {
      const response = await fetch(`${url}/health`);
      if (response.status === 200) return serve;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  await serve.stop();
  throw new Error(`gatehouse serve did not become healthy within 20 s:\n${output}`);
}

/** Environment for an empty store of the backend (a temp data dir, and a fresh PostgreSQL database); removal goes to `cleanup`. */
export async function freshStoreEnv(
  backend: Backend,
  cleanup: (() => Promise<void>)[],
  options: { secret?: boolean } = {},
): Promise<Record<string, string>> {
  const dataDir = await mkdtemp(join(tmpdir(), 'gatehouse-cli-'));
  cleanup.push(() => rm(dataDir, { recursive: true, force: true }));
  const env: Record<string, string> = { GATEHOUSE_DATA_DIR: dataDir };
  if (options.secret !== false) env.GATEHOUSE_SECRET = randomBytes(32).toString('base64url');
  if (backend.postgresUrl) {
    const database = await createPostgresDatabase(backend.postgresUrl);
    cleanup.push(database.drop);
    env.DATABASE_URL = database.url;
  }
  return env;
}

/** Retries `check` for up to `ms`: PostgreSQL announces changes by NOTIFY, which arrives asynchronously. */
export async function eventually<T>(check: () => Promise<T>, ok: (value: T) => boolean, ms = 2000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (ok(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
