import cluster, { type Worker } from 'node:cluster';
import { join } from 'node:path';
import type { Config } from '../config.js';
import { createGatehouse } from '../gatehouse.js';
import { LogDestination } from '../http/log-destination.js';
import { resealedNotice } from '../keys/master-key-rotation.js';
import { firstRunOf, type IssuedSetupCode } from '../management/first-run.js';
import { type RunningServer, startServer } from '../serve.js';
import { describeStore } from '../store/location.js';

/** A worker that served this long before it exited was healthy: the next restart starts the backoff afresh. */
const STABLE_WORKER_MS = 10_000;
/** How long the primary waits, past the workers' own shutdown deadline, before it kills the ones still running. */
const PRIMARY_SHUTDOWN_GRACE_MS = 2000;

const describeError = (error: unknown) => (error instanceof Error ? error.message : String(error));

/**
 * Both ways to the first administrator. The only line that ever holds the setup code: it is printed to whoever
 * started the server, who is the one meant to set it up.
 */
const firstRunNotice = (issuer: string, setup: IssuedSetupCode) =>
  `No administrator yet: open ${issuer}/setup and enter the setup code ${setup.code} (valid for one hour, until ` +
  `${new Date(setup.expiresAt * 1000).toISOString()}, and once; not needed in a browser on this machine), or create one ` +
  'with "npm exec -- gatehouse users create --username admin --admin"';

/** `gatehouse serve`: one server process, or a primary that keeps `workers` server processes running. */
export async function serve(config: Config, workers: number, stderr: (text: string) => void): Promise<void> {
  if (workers > 1 && cluster.isPrimary) return runPrimary(config, workers);
  return runServer(config, stderr);
}

/** One server; stops on SIGTERM/SIGINT within the configured shutdown deadline. */
async function runServer(config: Config, stderr: (text: string) => void): Promise<void> {
  let server: RunningServer;
  try {
    server = await startServer(config);
  } catch (error) {
    if (!cluster.isWorker) throw error;
    // A worker's channel to the primary keeps it alive: it must exit by itself, so that the primary sees the failure
    // and starts another, instead of a cluster silently serving on fewer workers.
    stderr(`gatehouse: worker ${process.pid} could not start: ${describeError(error)}\n`);
    process.exit(1);
  }
  const running = server;
  running.app.log.info(`Gatehouse listening on ${running.url} (issuer ${config.issuer}, store ${describeStore(config)})`);
  running.app.log.info(`Console: ${config.issuer}/console/ (front page: ${config.issuer}/)`);
  // Where invitations go: a developer without an SMTP server finds them here.
  if (!cluster.isWorker)
    running.app.log.info(
      `Mail: ${config.smtpUrl ? `SMTP ${new URL(config.smtpUrl).host}` : `written to ${join(config.dataDir, 'outbox')}/`}`,
    );
  // The first run: nobody can sign in to the console until an administrator exists, so say how to make one. A
  // cluster's primary does it once for all its workers.
  if (!cluster.isWorker) {
    const setup = await firstRunOf(running.gatehouse).issueCode();
    if (setup) running.app.log.info(firstRunNotice(config.issuer, setup));
  }
  const stop = () => {
    running.app.log.info(`shutting down: waiting up to ${config.shutdownTimeoutMs} ms for requests in flight`);
    running.close().then(
      () => process.exit(0),
      (error: unknown) => {
        running.app.log.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

/**
 * The cluster primary: prepares the store once, forks the workers and replaces each one that exits, after a delay
 * that doubles with every failure in a row (a database that is down must not make it fork in a tight loop). Every
 * exit and every attempt is one log line, so a cluster serving on fewer workers than asked for never goes unseen.
 */
async function runPrimary(config: Config, workers: number): Promise<void> {
  // The primary's lines go to stderr without ever throwing: a full log disk must not end the cluster.
  const log = new LogDestination(() => {}, 2);
  const say = (line: string) => log.write(`${new Date().toISOString()} gatehouse primary ${process.pid}: ${line}\n`);
  // Create keys and schema once, so the workers do not race to do it. A failure here ends the primary with the
  // reason (the CLI prints it and exits 1), before any worker is forked.
  try {
    const gatehouse = await createGatehouse(config);
    try {
      const { resealed } = await gatehouse.prepareKeys();
      if (resealed > 0) say(resealedNotice(resealed));
      await gatehouse.management.clients.ensureBuiltinClients();
      const setup = await firstRunOf(gatehouse).issueCode();
      if (setup) say(firstRunNotice(config.issuer, setup));
    } finally {
      await gatehouse.close();
    }
  } catch (error) {
    throw new Error(`the cluster primary could not prepare the store: ${describeError(error)}`, { cause: error });
  }

  const servingSince = new Map<Worker, number>();
  const restarts = new Set<NodeJS.Timeout>();
  let failuresInARow = 0;
  let stopping = false;
  const fork = () => {
    const worker = cluster.fork();
    say(`worker ${worker.process.pid} starting`);
  };
  cluster.on('listening', (worker) => {
    servingSince.set(worker, Date.now());
    say(`worker ${worker.process.pid} serving (${servingSince.size} of ${workers} workers serving)`);
  });
  cluster.on('exit', (worker, code, signal) => {
    const since = servingSince.get(worker);
    servingSince.delete(worker);
    if (stopping) {
      if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(0);
      return;
    }
    if (since !== undefined && Date.now() - since >= STABLE_WORKER_MS) failuresInARow = 0;
    failuresInARow += 1;
    const delay = Math.min(config.workerRestartDelayMs * 2 ** (failuresInARow - 1), config.workerRestartMaxDelayMs);
    const how = signal ? `was killed by ${signal}` : `exited with code ${code}`;
    const when = since === undefined ? 'before serving' : `after serving ${Math.round((Date.now() - since) / 1000)} s`;
    say(
      `worker ${worker.process.pid} ${how} ${when}; ${servingSince.size} of ${workers} workers serving; restart attempt ${failuresInARow} in ${delay} ms`,
    );
    const timer = setTimeout(() => {
      restarts.delete(timer);
      fork();
    }, delay);
    restarts.add(timer);
  });
  const stop = () => {
    stopping = true;
    for (const timer of restarts) clearTimeout(timer);
    const running = Object.values(cluster.workers ?? {}).filter((worker): worker is Worker => worker !== undefined);
    if (running.length === 0) process.exit(0);
    say(`stopping ${running.length} workers`);
    for (const worker of running) worker.process.kill('SIGTERM');
    // Each worker has the same deadline for its own requests; one that still runs after it is stuck.
    setTimeout(() => {
      for (const worker of Object.values(cluster.workers ?? {})) {
        say(`worker ${worker?.process.pid} did not stop within the shutdown deadline; killing it`);
        worker?.process.kill('SIGKILL');
      }
      process.exit(1);
    }, config.shutdownTimeoutMs + PRIMARY_SHUTDOWN_GRACE_MS).unref();
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  for (let i = 0; i < workers; i++) fork();
  say(`started ${workers} workers on ${config.host}:${config.port}`);
}
