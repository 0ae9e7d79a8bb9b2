import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadMasterKey } from '../../src/keys/master-key.js';
import { UnsealError, seal, unseal } from '../../src/keys/sealed-box.js';

test('sealed values open only with the same key and the same context', () => {
  const key = randomBytes(32);
  const sealed = seal(key, '{"d":"secret"}', 'kid-1');
  assert.match(sealed, /^v1\.[\w-]{16}\.[\w-]+\.[\w-]{22}$/);
  assert.ok(!sealed.includes('secret'));
  assert.equal(unseal(key, sealed, 'kid-1'), '{"d":"secret"}');
  assert.notEqual(seal(key, '{"d":"secret"}', 'kid-1'), sealed, 'a fresh nonce every time');
  assert.throws(() => unseal(randomBytes(32), sealed, 'kid-1'), UnsealError);
  assert.throws(() => unseal(key, sealed, 'kid-2'), UnsealError);
  const [v, iv, ciphertext, tag] = sealed.split('.');
  const flipped = Buffer.from(ciphertext!, 'base64url');
  flipped[0]! ^= 1;
  assert.throws(() => unseal(key, [v, iv, flipped.toString('base64url'), tag].join('.'), 'kid-1'), UnsealError);
  assert.throws(() => unseal(key, 'v2.a.b.c', 'kid-1'), UnsealError);
});

test('the master key comes from GATEHOUSE_SECRET, or is generated once into the data dir with mode 0600', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'gatehouse-master-'));
  try {
    const fromSecret = loadMasterKey('correct horse battery staple', dir);
    assert.equal(fromSecret.length, 32);
    assert.deepEqual(loadMasterKey('correct horse battery staple', dir), fromSecret);
    assert.notDeepEqual(loadMasterKey('another secret', dir), fromSecret);

    const generated = loadMasterKey(undefined, dir);
    assert.equal(generated.length, 32);
    assert.deepEqual(loadMasterKey(undefined, dir), generated, 'the second load reads the same file');
    const file = join(dir, 'master.key');
    assert.equal((await stat(file)).mode & 0o777, 0o600);
    assert.equal(Buffer.from((await readFile(file, 'utf8')).trim(), 'base64url').length, 32);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
