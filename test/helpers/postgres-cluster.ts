import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chown, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import pg from 'pg';
import { freePort } from '../../bench/lib/net.js';

const run = promisify(execFile);
const PG_BIN = process.env.PG_BIN ?? '/usr/lib/postgresql/15/bin';

/**
 * A PostgreSQL server of a test's own, for faults the shared test server must not suffer: stopped (fast or
 * immediate), its connections terminated, or frozen (SIGSTOP: it accepts TCP and never answers, as a stalled or
 * partitioned server does).
 */
export interface PostgresCluster {
  /** postgres://… of the `postgres` database; `databaseUrl(name)` for another one. */
  url: string;
  port: number;
  databaseUrl(name: string): string;
  createDatabase(name: string): Promise<string>;
  /** `pg_ctl stop -m fast|immediate`: fast ends sessions cleanly, immediate is a crash. */
  stop(mode?: 'fast' | 'immediate'): Promise<void>;
  start(): Promise<void>;
  /** pg_terminate_backend for every other connection, as an administrator or a failover does. */
  terminateConnections(): Promise<number>;
  /** SIGSTOP to the postmaster and every backend; resume() sends SIGCONT. */
  pause(): Promise<void>;
  resume(): Promise<void>;
  /** Stops the server for good and deletes its files. */
  close(): Promise<void>;
}

/** Why a private cluster cannot be made here, or undefined. */
export function postgresClusterUnavailable(): string | undefined {
  return existsSync(join(PG_BIN, 'initdb')) ? undefined : `no PostgreSQL binaries in ${PG_BIN} (apt-get install postgresql)`;
}

/** Registers a failing (REQUIRE_ALL_SUITES=1) or loudly skipped test when clusters cannot be made; returns whether they can. */
export function requirePostgresCluster(): boolean {
  const reason = postgresClusterUnavailable();
  if (reason === undefined) return true;
  if (process.env.REQUIRE_ALL_SUITES === '1') {
    test('private PostgreSQL suite', () => {
      throw new Error(`REQUIRE_ALL_SUITES=1 but ${reason}`);
    });
  } else {
    test('private PostgreSQL suite', { skip: `SKIPPED: ${reason}` }, () => {});
  }
  return false;
}

export async function startPostgresCluster(): Promise<PostgresCluster> {
  const dir = await mkdtemp(join(tmpdir(), 'gatehouse-pgc-'));
  const data = join(dir, 'data');
  const port = await freePort();
  // PostgreSQL refuses to run as root.
  const asPostgres = process.getuid?.() === 0 ? ['runuser', '-u', 'postgres', '--'] : [];
  if (asPostgres.length)
    await chown(dir, Number((await run('id', ['-u', 'postgres'])).stdout), Number((await run('id', ['-g', 'postgres'])).stdout));
  const pgRun = (binary: string, args: string[]) => {
    const [command, ...rest] = [...asPostgres, join(PG_BIN, binary), ...args];
    return run(command!, rest);
  };
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off`;
  const ctl = (...args: string[]) => pgRun('pg_ctl', ['-D', data, '-l', join(dir, 'log'), ...args]);
  await pgRun('initdb', ['-D', data, '-A', 'trust', '-U', 'gatehouse']);
  await ctl('-w', '-o', options, 'start');
  const url = `postgres://gatehouse@127.0.0.1:${port}/postgres`;
  const databaseUrl = (name: string) => `postgres://gatehouse@127.0.0.1:${port}/${name}`;
  const admin = async <T>(work: (client: pg.Client) => Promise<T>): Promise<T> => {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      return await work(client);
    } finally {
      await client.end();
    }
  };
  /** The postmaster's pid and those of its children (the backends and helper processes). */
  const pids = async (): Promise<number[]> => {
    const postmaster = Number((await readFile(join(data, 'postmaster.pid'), 'utf8')).split('\n')[0]);
    const children = (await run('pgrep', ['-P', String(postmaster)]).catch(() => ({ stdout: '' }))).stdout
      .split('\n')
      .filter(Boolean)
      .map(Number);
    return [postmaster, ...children];
  };
  let paused = false;
  const cluster: PostgresCluster = {
    url,
    port,
    databaseUrl,
    async createDatabase(name) {
      await admin((client) => client.query(`CREATE DATABASE ${name}`));
      return databaseUrl(name);
    },
    async stop(mode = 'fast') {
      await ctl('-w', '-m', mode, 'stop');
    },
    async start() {
      await ctl('-w', '-o', options, 'start');
    },
    async terminateConnections() {
      const result = await admin((client) =>
        client.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE pid <> pg_backend_pid() AND backend_type = $1', [
          'client backend',
        ]),
      );
      return result.rowCount ?? 0;
    },
    async pause() {
      for (const pid of await pids()) process.kill(pid, 'SIGSTOP');
      paused = true;
    },
    async resume() {
      for (const pid of await pids()) process.kill(pid, 'SIGCONT');
      paused = false;
    },
    async close() {
      if (paused) await cluster.resume().catch(() => {});
      await ctl('-w', '-m', 'immediate', 'stop').catch(() => {});
      await rm(dir, { recursive: true, force: true });
    },
  };
  return cluster;
}
