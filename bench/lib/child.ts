import { type ChildProcess, type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { GATEHOUSE_NODE_FLAGS } from './node-flags.js';
import { isReadyLine, type ReadyLine } from './protocol.js';

const live = new Set<ChildProcess>();

/** Has the runner stop `child` on its way out too (for processes not started through ServerProcess). */
export function track(child: ChildProcess): void {
  live.add(child);
  child.once('exit', () => live.delete(child));
}

// Whatever way the runner ends, no server is left behind: SIGKILL is the only thing 'exit' has time for.
process.on('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

export interface StartOptions {
  /** Shown before each line the server writes on stderr. */
  name: string;
  script: string;
  env: Record<string, string | undefined>;
  nodeArgs?: string[];
  readyTimeoutMs?: number;
}

/** One benchmark server (bench/servers/*) in its own process, started and stopped by the runner. */
export class ServerProcess {
  private constructor(
    private readonly child: ChildProcessWithoutNullStreams,
    readonly ready: ReadyLine,
    private readonly exited: Promise<void>,
  ) {}

  get pid(): number {
    return this.child.pid!;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Starts the server and resolves once it has printed its ready line; rejects if it exits or stays silent. */
  static start(options: StartOptions): Promise<ServerProcess> {
    const child = spawn(process.execPath, [...(options.nodeArgs ?? []), options.script], {
      env: options.env,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    live.add(child);
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    void exited.then(() => live.delete(child));
    const stderrTail: string[] = [];
    createInterface({ input: child.stderr }).on('line', (line) => {
      stderrTail.push(line);
      if (stderrTail.length > 40) stderrTail.shift();
      process.stderr.write(`  [${options.name}] ${line}\n`);
    });
    return new Promise((resolve, reject) => {
      let settled = false;
      const fail = (message: string) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        child.kill('SIGKILL');
        // Its stderr has been shown as it came; the error names the line that most likely says why.
        const why = stderrTail.find((line) => /error|failed/i.test(line)) ?? stderrTail.at(-1);
        reject(new Error(`${options.name}: ${message}${why ? ` — ${why.trim()}` : ''}`));
      };
      const timer = setTimeout(() => fail(`no ready line within ${options.readyTimeoutMs ?? 60_000} ms`), options.readyTimeoutMs ?? 60_000);
      child.once('error', (error) => fail(`could not start: ${error.message}`));
      child.once('exit', (code, signal) => fail(`exited before it was ready (${signal ?? `code ${code}`})`));
      createInterface({ input: child.stdout }).on('line', (line) => {
        let parsed: unknown;
        try {
          parsed = JSON.parse(line);
        } catch {
          parsed = undefined;
        }
        if (!settled && isReadyLine(parsed)) {
          settled = true;
          clearTimeout(timer);
          resolve(new ServerProcess(child, parsed, exited));
        } else if (settled || parsed === undefined) {
          process.stderr.write(`  [${options.name} stdout] ${line}\n`);
        } else {
          fail(`printed JSON that is not a ready line: ${line}`);
        }
      });
    });
  }

  /** SIGTERM (the servers clean up: drop their database, remove their data dir), then SIGKILL after `graceMs`. */
  async stop(graceMs = 10_000): Promise<void> {
    if (this.running) {
      this.child.kill('SIGTERM');
      const timedOut = await Promise.race([
        this.exited.then(() => false),
        new Promise<boolean>((r) => setTimeout(() => r(true), graceMs).unref()),
      ]);
      if (timedOut) {
        process.stderr.write(`  [server ${this.pid}] did not stop within ${graceMs} ms; killing it\n`);
        this.child.kill('SIGKILL');
      }
    }
    await this.exited;
  }
}

/** Stops every server still running; for error paths and signals. */
export async function stopAll(): Promise<void> {
  await Promise.all(
    [...live].map(
      (child) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve();
          const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
          child.once('exit', () => {
            clearTimeout(timer);
            resolve();
          });
          child.kill('SIGTERM');
        }),
    ),
  );
}

/** A Node script run by the runner itself (a seed, `gatehouse serve`): its output kept for errors and results. */
export interface ScriptProcess {
  child: ChildProcess;
  /** Everything it wrote on stdout, when `keepStdout` was asked for (otherwise it is drained and discarded). */
  stdout(): string;
  /** The last few KB of its stderr. */
  stderr(): string;
  exited: Promise<number | null>;
}

/** Spawns `script` with Gatehouse's node flags, tracked so it never outlives the runner. */
export function spawnScript(script: string, args: string[], env: NodeJS.ProcessEnv, { keepStdout = false } = {}): ScriptProcess {
  const child = spawn(process.execPath, [...GATEHOUSE_NODE_FLAGS, script, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  track(child);
  let stdout = '';
  let stderr = '';
  if (keepStdout) child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  else child.stdout!.resume();
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString('utf8')).slice(-4000);
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, stdout: () => stdout, stderr: () => stderr, exited };
}

/** SIGTERM, then SIGKILL after 10 s; resolves once it has exited. */
export async function stopScript({ child, exited }: ScriptProcess): Promise<void> {
  if (child.exitCode === null && child.signalCode === null) {
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  }
}
