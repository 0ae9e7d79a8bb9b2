import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { eventually } from './helpers/cli.js';
import { requireScratchDisks, type ScratchDisk, scratchDisk } from './helpers/disk.js';
import { type PostgresCluster, requirePostgresCluster, startPostgresCluster } from './helpers/postgres-cluster.js';
import { startTestServer, type TestServer } from './helpers/server.js';

interface Probe {
  status: number;
  cacheControl: string | null;
  body: any;
}

const probe = async (server: TestServer, path: string): Promise<Probe> => {
  const response = await fetch(`${server.url}${path}`, { signal: AbortSignal.timeout(15_000) });
  return { status: response.status, cacheControl: response.headers.get('cache-control'), body: await response.json() };
};

/** The three probes, and whether each says the server is fine. */
const probes = async (server: TestServer) => ({
  live: await probe(server, '/health/live'),
  ready: await probe(server, '/health/ready'),
  health: await probe(server, '/health'),
});

function assertAllWell({ live, ready, health }: Awaited<ReturnType<typeof probes>>, dialect: string) {
  assert.deepEqual([live.status, live.body], [200, { status: 'ok' }]);
  assert.equal(ready.status, 200);
  assert.equal(ready.body.status, 'ok');
  assert.equal(ready.body.store_write.ok, true);
  assert.equal(typeof ready.body.store_write.latencyMs, 'number');
  assert.deepEqual(ready.body.signing_keys, { ok: true });
  assert.equal(health.status, 200);
  assert.deepEqual(
    [health.body.status, health.body.database.ok, health.body.database.dialect, health.body.ready.ok],
    ['ok', true, dialect, true],
  );
  for (const answer of [live, ready, health]) assert.equal(answer.cacheControl, 'no-store');
}

/**
 * Liveness vs readiness (issue 8, item 11). Before: only /health, which answered 200 "ok" through 239 refresh 500s
 * on a full disk, because it only read.
 */
if (await requireScratchDisks()) {
  describe('readiness on a full disk (SQLite on a scratch disk)', () => {
    let disk: ScratchDisk;
    let server: TestServer;
    before(async () => {
      disk = await scratchDisk(32);
      server = await startTestServer({ name: 'sqlite' }, { GATEHOUSE_DATA_DIR: `${disk.path}/data` });
    });
    after(async () => {
      await server?.close();
      await disk?.close();
    });

    test('ready and health turn 503 while the disk is full, live stays 200, and all recover once there is room', async () => {
      assertAllWell(await probes(server), 'sqlite');
      await disk.fill();
      try {
        const { live, ready, health } = await probes(server);
        assert.deepEqual([live.status, live.body], [200, { status: 'ok' }], 'the process still serves');
        assert.equal(ready.status, 503);
        assert.deepEqual(ready.body, { status: 'unavailable', store_write: { ok: false }, signing_keys: { ok: true } });
        assert.equal(health.status, 503);
        assert.equal(health.body.status, 'unavailable');
        assert.equal(health.body.database.ok, true, 'reads still work');
        assert.deepEqual(health.body.ready, { ok: false, store_write: { ok: false }, signing_keys: { ok: true } });
      } finally {
        await disk.unfill();
      }
      assertAllWell(await probes(server), 'sqlite');
    });
  });
}

if (requirePostgresCluster()) {
  describe('readiness with a stopped PostgreSQL (a private cluster)', () => {
    let cluster: PostgresCluster;
    let server: TestServer;
    before(async () => {
      cluster = await startPostgresCluster();
      server = await startTestServer({ name: 'postgres', postgresUrl: cluster.url });
    });
    after(async () => {
      await cluster?.start().catch(() => {});
      await server?.close();
      await cluster?.close();
    });

    test('ready and health turn 503 while the database is down, live stays 200, and all recover when it is back', async () => {
      assertAllWell(await probes(server), 'postgres');
      await cluster.stop('fast');
      const { live, ready, health } = await probes(server);
      assert.deepEqual([live.status, live.body], [200, { status: 'ok' }]);
      assert.equal(ready.status, 503);
      assert.equal(ready.body.status, 'unavailable');
      assert.deepEqual(ready.body.store_write, { ok: false });
      assert.equal(health.status, 503);
      assert.deepEqual([health.body.status, health.body.database.ok, health.body.ready.ok], ['unavailable', false, false]);
      assert.equal(JSON.stringify(health.body).includes('ECONNREFUSED'), false, 'the reason goes to the log, not to the caller');
      await cluster.start();
      await eventually(
        () => probe(server, '/health/ready'),
        (answer) => answer.status === 200,
        10_000,
      );
      assertAllWell(await probes(server), 'postgres');
    });
  });
}
