import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { MasterKeyMismatchError } from '../../../src/keys/master-key.js';
import { PAGE_KEY_NAMES, PageKeys, pageKeyContext } from '../../../src/keys/page-keys.js';
import { unseal } from '../../../src/keys/sealed-box.js';
import { MemoryPageKeys } from '../../../src/memory/keys.js';

test('ensure makes one random 256-bit key per name, sealed and bound to its name, and a second process reads the same', async () => {
  const repository = new MemoryPageKeys();
  const masterKey = randomBytes(32);
  const first = new PageKeys(repository, masterKey);
  assert.equal(await first.open(), false, 'a new store has no page keys to open');
  await first.ensure();
  assert.deepEqual(repository.rows.map((row) => row.name).sort(), [...PAGE_KEY_NAMES].sort());
  for (const row of repository.rows) {
    assert.deepEqual(Buffer.from(unseal(masterKey, row.sealed, pageKeyContext(row.name)), 'base64url'), first.key(row.name as 'csrf'));
    assert.throws(() => unseal(masterKey, row.sealed, pageKeyContext('another-name')), 'a sealed key moved to another row does not open');
    assert.throws(() => unseal(masterKey, row.sealed, row.name), "nor moved to a signing key's, sealed for its bare kid");
  }
  assert.deepEqual([...PAGE_KEY_NAMES], ['csrf', 'interactions']);
  assert.equal(pageKeyContext('csrf'), 'page-key:csrf');
  assert.equal(first.key('csrf').length, 32);
  assert.notDeepEqual(first.key('csrf'), first.key('interactions'));

  const second = new PageKeys(repository, masterKey);
  assert.equal(await second.open(), true);
  for (const name of PAGE_KEY_NAMES) assert.deepEqual(second.key(name), first.key(name));
});

test('under another master key the keys do not open: open says so, ensure refuses, key() was never loaded', async () => {
  const repository = new MemoryPageKeys();
  await new PageKeys(repository, randomBytes(32)).ensure();
  const stranger = new PageKeys(repository, randomBytes(32));
  assert.equal(await stranger.open(), false);
  await assert.rejects(stranger.ensure(), (error: unknown) => error instanceof MasterKeyMismatchError && /page key/.test(error.message));
  assert.throws(() => stranger.key('csrf'), /not loaded/);
  assert.equal(repository.rows.length, PAGE_KEY_NAMES.length, 'nothing was added in place of the keys that did not open');
});
