import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { backends } from './helpers/backends.js';
import { CLI, freshStoreEnv, gatehouse, gatehouseJson, isolatedEnv } from './helpers/cli.js';
import { requireScratchDisks, type ScratchDisk, scratchDisk } from './helpers/disk.js';
import { freePort } from './helpers/server.js';

/** `gatehouse serve` that must refuse to start: it exits (the helper kills it after 30 s if it serves instead). */
const serve = async (env: Record<string, string>) => gatehouse({ ...env, PORT: String(await freePort()) }, 'serve');

const refusedWith = (result: { code: number | null; stderr: string }, pattern: RegExp) => {
  assert.equal(result.code, 1, `exits with 1 (stderr: ${result.stderr})`);
  assert.match(result.stderr, pattern);
  assert.doesNotMatch(result.stderr, /\n\s+at /, 'no stack trace');
};

/**
 * A wrong GATEHOUSE_SECRET or a foreign master.key (issue 8, item 10). Before: `serve` started, /health said 200,
 * and every token request and JWKS answer was a 500.
 */
for (const backend of backends()) {
  describe(`signing keys that do not open are refused at start (${backend.name})`, () => {
    const cleanup: (() => Promise<void>)[] = [];
    let env: Record<string, string>;
    let kids: string[];

    before(async () => {
      env = await freshStoreEnv(backend, cleanup);
      await gatehouseJson(env, 'migrate');
      kids = (await gatehouseJson<{ kid: string }[]>(env, 'keys', 'list')).map((key) => key.kid).sort();
    });
    after(async () => {
      for (const step of cleanup.reverse()) await step();
    });

    const wrongSecret = () => ({ ...env, GATEHOUSE_SECRET: randomBytes(32).toString('base64url') });
    const keyMessage =
      /signing key \S+ does not open with this master key: GATEHOUSE_SECRET .* Start with the original GATEHOUSE_SECRET or restore the original master\.key/;

    test('serve, migrate and keys rotate exit 1 with what to do, and change no key', async () => {
      const wrong = wrongSecret();
      for (const args of [['serve'], ['migrate'], ['keys', 'rotate', '--yes'], ['keys', 'list']]) {
        const result = args[0] === 'serve' ? await serve(wrong) : await gatehouse(wrong, ...args);
        refusedWith(result, keyMessage);
        assert.ok(
          !result.stderr.includes(wrong.GATEHOUSE_SECRET) && !result.stderr.includes(env.GATEHOUSE_SECRET!),
          'no secret in the message',
        );
      }
      assert.deepEqual(
        (await gatehouseJson<{ kid: string }[]>(env, 'keys', 'list')).map((key) => key.kid).sort(),
        kids,
        'the keys are unchanged',
      );
      // A command that does not sign anything still works: the store itself is fine.
      assert.equal((await gatehouse(wrongSecret(), 'roles', 'list')).code, 0);
    });

    test('a foreign master.key (no GATEHOUSE_SECRET) is refused the same way', async () => {
      // Another data directory's generated key: on SQLite the same database with its master.key replaced; on
      // PostgreSQL a second instance with a data directory of its own.
      const noSecret: Record<string, string> = { ...env };
      delete noSecret.GATEHOUSE_SECRET;
      const dataDir = await mkdtemp(join(tmpdir(), 'gatehouse-foreign-'));
      cleanup.push(() => rm(dataDir, { recursive: true, force: true }));
      if (backend.name === 'sqlite') {
        const own = { ...noSecret, GATEHOUSE_DATA_DIR: dataDir };
        await gatehouseJson(own, 'migrate');
        await writeFile(join(dataDir, 'master.key'), `${randomBytes(32).toString('base64url')}\n`, { mode: 0o600 });
        refusedWith(await serve(own), keyMessage);
      } else {
        refusedWith(await serve({ ...noSecret, GATEHOUSE_DATA_DIR: dataDir }), keyMessage);
      }
    });
  });
}

/**
 * A 0-byte SQLite file (issue 8, item 13). Before: it was taken for a brand-new store, got new signing keys and no
 * clients, without a word.
 */
describe('a 0-byte SQLite database is refused unless the data directory is new', () => {
  const cleanup: (() => Promise<void>)[] = [];
  after(async () => {
    for (const step of cleanup.reverse()) await step();
  });

  test('a store truncated to 0 bytes: serve and the CLI refuse, and write nothing', async () => {
    const env = await freshStoreEnv({ name: 'sqlite' }, cleanup, { secret: false });
    await gatehouseJson(env, 'clients', 'create', '--name', 'kept');
    const database = join(env.GATEHOUSE_DATA_DIR!, 'gatehouse.sqlite');
    const masterKey = await readFile(join(env.GATEHOUSE_DATA_DIR!, 'master.key'), 'utf8');
    // As a lost volume or a bad restore leaves it; a clean close has already removed -wal and -shm.
    await truncate(database, 0);
    const message = /gatehouse\.sqlite is empty \(0 bytes\), but the data directory is not new .*Restore it from a backup/;
    refusedWith(await serve(env), message);
    refusedWith(await gatehouse(env, 'clients', 'list'), message);
    refusedWith(await gatehouse(env, 'migrate'), message);
    assert.equal((await stat(database)).size, 0, 'nothing was written to the empty file');
    assert.equal(await readFile(join(env.GATEHOUSE_DATA_DIR!, 'master.key'), 'utf8'), masterKey);
  });

  test('a new data directory (nothing but an empty gatehouse.sqlite) starts a new store', async () => {
    const env = await freshStoreEnv({ name: 'sqlite' }, cleanup);
    await writeFile(join(env.GATEHOUSE_DATA_DIR!, 'gatehouse.sqlite'), '');
    const migrated = await gatehouseJson<{ applied: string[] }>(env, 'migrate');
    assert.ok(migrated.applied.length > 0);
    assert.ok((await stat(join(env.GATEHOUSE_DATA_DIR!, 'gatehouse.sqlite'))).size > 0);
  });
});

/**
 * Storage faults at start-up are named for what they are (issue 8, item 15). Before: "disk I/O error",
 * "unable to open database file", or a raw errno line.
 */
if (await requireScratchDisks()) {
  describe('storage faults at start-up name their cause', () => {
    let disk: ScratchDisk;
    before(async () => {
      disk = await scratchDisk(16);
    });
    after(() => disk?.close());

    const envOn = (dataDir: string) => ({ GATEHOUSE_DATA_DIR: dataDir, GATEHOUSE_SECRET: randomBytes(32).toString('base64url') });

    test('a full disk: "disk full"', async () => {
      const env = envOn(join(disk.path, 'full'));
      await gatehouseJson(env, 'migrate');
      await disk.fill();
      try {
        const message = new RegExp(`cannot write to the data directory ${env.GATEHOUSE_DATA_DIR}: disk full`);
        refusedWith(await serve(env), message);
        refusedWith(await gatehouse(env, 'clients', 'list'), message);
      } finally {
        await disk.unfill();
      }
      assert.equal((await gatehouse(env, 'clients', 'list')).code, 0, 'starts again once there is room');
    });

    test('a read-only file system: "read-only file system", for the data directory and for a new one under it', async () => {
      const env = envOn(join(disk.path, 'ro'));
      await gatehouseJson(env, 'migrate');
      await disk.setReadOnly(true);
      try {
        const message = new RegExp(`cannot write to the data directory ${env.GATEHOUSE_DATA_DIR}: read-only file system`);
        refusedWith(await serve(env), message);
        refusedWith(await gatehouse(env, 'roles', 'list'), message);
        const under = envOn(join(disk.path, 'not-yet', 'data'));
        const create = new RegExp(`cannot create the data directory ${under.GATEHOUSE_DATA_DIR}: read-only file system`);
        refusedWith(await serve(under), create);
        refusedWith(await gatehouse(under, 'migrate'), create);
      } finally {
        await disk.setReadOnly(false);
      }
    });

    for (const backend of backends().filter((b) => b.name === 'postgres')) {
      test('PostgreSQL without GATEHOUSE_SECRET: the generated master.key on a full or read-only disk names the cause', async () => {
        const cleanup: (() => Promise<void>)[] = [];
        try {
          const base = await freshStoreEnv(backend, cleanup, { secret: false });
          const full = { ...base, GATEHOUSE_DATA_DIR: join(disk.path, 'pg-full') };
          await mkdir(full.GATEHOUSE_DATA_DIR, { mode: 0o700 });
          await disk.fill();
          // fill() tops up in 4 KiB steps; a small file still fits in the last few 1 KiB blocks of a small ext4.
          const topUp = join(disk.path, '.top-up');
          spawnSync('dd', ['if=/dev/zero', `of=${topUp}`, 'bs=1k', 'status=none']);
          try {
            const message = new RegExp(`cannot write ${full.GATEHOUSE_DATA_DIR}/master\\.key: disk full`);
            refusedWith(await serve(full), message);
            refusedWith(await gatehouse(full, 'clients', 'list'), message);
          } finally {
            await rm(topUp, { force: true });
            await disk.unfill();
          }
          assert.deepEqual(await readdir(full.GATEHOUSE_DATA_DIR), [], 'no empty master.key is left behind');
          await disk.setReadOnly(true);
          try {
            const under = { ...base, GATEHOUSE_DATA_DIR: join(disk.path, 'pg-not-yet', 'data') };
            refusedWith(
              await serve(under),
              new RegExp(`cannot create the data directory ${under.GATEHOUSE_DATA_DIR}: read-only file system`),
            );
          } finally {
            await disk.setReadOnly(false);
          }
        } finally {
          for (const step of cleanup.reverse()) await step();
        }
      });
    }
  });
}

/** As a user that may not write where the data directory should be (root may write anywhere, so another user). */
const unprivileged = process.getuid?.() === 0 && spawnSync('id', ['-u', 'postgres']).status === 0;
describe('a data directory the user may not create', { skip: unprivileged ? false : 'needs root and a postgres user to run as' }, () => {
  test('"cannot create the data directory …: permission denied", for serve and a CLI command', async () => {
    // The CLI runs as `postgres`, so the checkout must be readable by that user: a clone under a 0700 directory is not.
    const readable = spawnSync('runuser', ['-u', 'postgres', '--', 'test', '-r', CLI]).status === 0;
    assert.ok(readable, `${CLI} is not readable by the postgres user: put the checkout under directories that others may enter`);
    const locked = await mkdtemp(join(tmpdir(), 'gatehouse-locked-'));
    try {
      const env = {
        GATEHOUSE_DATA_DIR: join(locked, 'data'),
        GATEHOUSE_SECRET: randomBytes(32).toString('base64url'),
        PORT: String(await freePort()),
      };
      const message = new RegExp(`cannot create the data directory ${env.GATEHOUSE_DATA_DIR}: permission denied`);
      for (const args of [['serve'], ['roles', 'list']]) {
        const result = spawnSync('runuser', ['-u', 'postgres', '--', process.execPath, CLI, ...args], {
          env: isolatedEnv(env),
          encoding: 'utf8',
          timeout: 30_000,
        });
        refusedWith({ code: result.status, stderr: result.stderr }, message);
      }
    } finally {
      await rm(locked, { recursive: true, force: true });
    }
  });
});
