import assert from 'node:assert/strict';
import { chmod, mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { loadConfig } from '../src/config.js';
import { openStore, storeOptionsOf } from '../src/store/database.js';
import { backends } from './helpers/backends.js';
import { freshStoreEnv, gatehouse, STORE_LINE } from './helpers/cli.js';

const modeOf = async (path: string) => (await stat(path)).mode & 0o777;

/**
 * Issue 9, item 9. Before: gatehouse.sqlite, -wal and -shm were 0644 under the usual umask 022 (0666 under umask 0),
 * and a data directory of 0755 passed without a word.
 */
describe('the SQLite files are created 0600 whatever the umask', () => {
  const cleanup: (() => Promise<void>)[] = [];
  after(async () => {
    for (const step of cleanup.reverse()) await step();
  });

  for (const umask of [0o022, 0o000]) {
    test(`database, -wal and -shm are 0600 under umask ${umask.toString(8).padStart(3, '0')}`, async () => {
      const dataDir = await mkdtemp(join(tmpdir(), 'gatehouse-modes-'));
      cleanup.push(() => rm(dataDir, { recursive: true, force: true }));
      const previous = process.umask(umask);
      try {
        const store = await openStore(storeOptionsOf(loadConfig({ GATEHOUSE_DATA_DIR: dataDir })));
        try {
          // A write through the writer thread, so that the WAL holds frames and both companions surely exist.
          await store.writeTransaction((db) =>
            db.insertInto('roles').values({ tenant_id: 'default', name: 'modes', description: '', scopes: '[]', created_at: 0 }).execute(),
          );
          const database = join(dataDir, 'gatehouse.sqlite');
          const modes = Object.fromEntries(
            await Promise.all(
              [database, `${database}-wal`, `${database}-shm`].map(async (file) => [file, (await modeOf(file)).toString(8)]),
            ),
          );
          assert.deepEqual(Object.values(modes), ['600', '600', '600'], JSON.stringify(modes));
        } finally {
          await store.close();
        }
      } finally {
        process.umask(previous);
      }
    });
  }
});

for (const backend of backends()) {
  describe(`start-up warns when the data directory or master.key is open to others (${backend.name})`, () => {
    const cleanup: (() => Promise<void>)[] = [];
    after(async () => {
      for (const step of cleanup.reverse()) await step();
    });

    test('a 0700 directory with a 0600 master.key: no warning; master.key is made 0600', async () => {
      const env = await freshStoreEnv(backend, cleanup, { secret: false });
      const result = await gatehouse(env, 'migrate');
      assert.equal(result.code, 0, result.stderr);
      assert.doesNotMatch(result.stderr, /open to its group or to others/);
      assert.equal(await modeOf(join(env.GATEHOUSE_DATA_DIR!, 'master.key')), 0o600);
    });

    test('a 0755 directory and a 0644 master.key are named with their modes and the fix; the command still runs', async () => {
      const env = await freshStoreEnv(backend, cleanup, { secret: false });
      const dataDir = env.GATEHOUSE_DATA_DIR!;
      assert.equal((await gatehouse(env, 'migrate')).code, 0);
      await chmod(dataDir, 0o755);
      await chmod(join(dataDir, 'master.key'), 0o644);
      const result = await gatehouse(env, 'roles', 'list');
      assert.equal(result.code, 0, `does not refuse (stderr: ${result.stderr})`);
      assert.match(result.stderr, STORE_LINE);
      const logLines = result.stderr.replace(STORE_LINE, '').trim().split('\n');
      const warnings = logLines.map((line) => JSON.parse(line) as { level: number; msg: string });
      const messages = warnings.map((warning) => warning.msg);
      assert.ok(
        warnings.every((warning) => warning.level === 40),
        result.stderr,
      );
      assert.ok(
        messages.includes(`the data directory ${dataDir} has mode 0755, open to its group or to others: run chmod 0700 ${dataDir}`),
        result.stderr,
      );
      const key = join(dataDir, 'master.key');
      assert.ok(
        messages.includes(`the master key file ${key} has mode 0644, open to its group or to others: run chmod 0600 ${key}`),
        result.stderr,
      );
      assert.equal(
        messages.filter((message) => message.startsWith(`the data directory ${dataDir} `)).length,
        1,
        'the directory is named once',
      );
    });
  });
}
