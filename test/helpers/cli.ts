import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before } from 'node:test';
import { fileURLToPath } from 'node:url';
import { type Io, runCli } from '../../src/cli/program.js';
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

/** Runs `gatehouse ARGS…` in a fresh node process and collects its output; its stdin is empty and not a terminal. */
export function gatehouse(env: Record<string, string>, ...args: string[]): Promise<CliResult> {
  return gatehouseWithStdin(env, undefined, ...args);
}

/** Runs `gatehouse ARGS…` with `stdin` piped into it (e.g. for --password-stdin), and collects its output. */
export function gatehouseWithStdin(env: Record<string, string>, stdin: string | undefined, ...args: string[]): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const stdio = [stdin === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] as const;
    const child = spawn(process.execPath, [CLI, ...args], { env: isolatedEnv(env), stdio: [...stdio] });
    let stdout = '';
    let stderr = '';
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.stdin?.end(stdin);
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/**
 * Runs `gatehouse ARGS…` in this process, through the same runCli as the bin, with `io` in place of a terminal (e.g. a
 * scripted readSecret): for setting up what a test looks at without a node start per command, and for the Io seam.
 */
export async function gatehouseInProcess(env: Record<string, string>, args: string[], io: Partial<Io> = {}): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(args, {
    stdout: (text) => (stdout += text),
    stderr: (text) => (stderr += text),
    env,
    readStdin: () => Promise.resolve(''),
    ...io,
  });
  return { code, stdout, stderr };
}

/** The line every command that opens the store starts its stderr with (src/cli/program.ts). */
export const STORE_LINE = /^gatehouse: store (sqlite|postgresql) [^\n]+, issuer [^\n]+\n/;

/** Runs a `--json` command that must succeed, and parses its whole stdout as one JSON document. */
export function gatehouseJson<T = any>(env: Record<string, string>, ...args: string[]): Promise<T> {
  return gatehouseJsonWithStdin<T>(env, undefined, ...args);
}

/** gatehouseJson with `stdin` piped into the command. */
export async function gatehouseJsonWithStdin<T = any>(
  env: Record<string, string>,
  stdin: string | undefined,
  ...args: string[]
): Promise<T> {
  const result = await gatehouseWithStdin(env, stdin, ...args, '--json');
  if (result.code !== 0) throw new Error(`gatehouse ${args.join(' ')} exited ${result.code}: ${result.stderr}`);
  return JSON.parse(result.stdout) as T;
}

/**
 * Runs `gatehouse ARGS…` with a real terminal as stdin (util-linux `script` allocates a pseudo-terminal) and holds a
 * dialogue: each time the terminal shows the next prompt, it types the answer and Enter. Collects what the terminal
 * showed (the prompts, anything echoed, the output) and the exit code.
 */
export function onTerminal(
  env: Record<string, string>,
  dialogue: [prompt: string, answer: string][],
  ...args: string[]
): Promise<{ code: number | null; shown: string }> {
  return new Promise((resolve, reject) => {
    const command = [process.execPath, CLI, ...args].map((word) => `'${word}'`).join(' ');
    const child = spawn('script', ['-qec', command, '/dev/null'], { env: isolatedEnv(env), stdio: ['pipe', 'pipe', 'inherit'] });
    const pending = [...dialogue];
    let shown = '';
    let answeredUpTo = 0;
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      shown += chunk;
      for (let next = pending[0]; next && shown.includes(next[0], answeredUpTo); next = pending[0]) {
        pending.shift();
        answeredUpTo = shown.indexOf(next[0], answeredUpTo) + next[0].length;
        child.stdin.write(`${next[1]}\r`);
      }
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, shown });
    });
  });
}

export interface ServeProcess {
  url: string;
  child: ChildProcess;
  /** Everything the process wrote, for failure messages. */
  output(): string;
  stop(): Promise<void>;
}

/**
 * Spawns `gatehouse serve ARGS…` (this checkout's, or the `cli` given, e.g. an installed package's bin) and waits until
 * /health answers 200. Always call stop(), even after a failure.
 */
export async function spawnServe(env: Record<string, string>, url: string, args: string[] = [], cli = CLI): Promise<ServeProcess> {
  const child = spawn(process.execPath, [cli, 'serve', ...args], { env: isolatedEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
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

/**
 * Inside a describe: a fresh, migrated store for its tests (before), removed afterwards (after). Returns the env to
 * run the CLI or a server with; read it in a test, once `before` has run.
 */
export function migratedStoreForSuite(backend: Backend): () => Record<string, string> {
  const cleanup: (() => Promise<void>)[] = [];
  let env: Record<string, string> | undefined;
  before(async () => {
    env = await freshStoreEnv(backend, cleanup);
    await gatehouseJson(env, 'migrate');
  });
  after(async () => {
    for (const step of cleanup.reverse()) await step();
  });
  return () => env!;
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
