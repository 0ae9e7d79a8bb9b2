import assert from 'node:assert/strict';
import { hkdfSync } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadMasterKey, MasterKeyMismatchError, masterKeyFromSecret } from '../../../src/keys/master-key.js';

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

test('a secret becomes its key by HKDF-SHA256 with the salt "gatehouse" and a versioned info', () => {
  const expected = Buffer.from(hkdfSync('sha256', 'correct horse battery staple', 'gatehouse', 'signing-key-encryption/v1', 32));
  assert.deepEqual(masterKeyFromSecret('correct horse battery staple'), expected);
});

test('a master.key that does not hold 256 bits is refused, naming the file and the way out', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'gatehouse-master-'));
  try {
    await writeFile(join(dir, 'master.key'), `${Buffer.alloc(16).toString('base64url')}\n`, { mode: 0o600 });
    assert.throws(
      () => loadMasterKey(undefined, dir),
      (error: unknown) =>
        error instanceof Error && error.message.includes(join(dir, 'master.key')) && /256-bit key.*GATEHOUSE_SECRET/.test(error.message),
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('the mismatch error names what did not open and the way to change the secret', () => {
  const error = new MasterKeyMismatchError('the page key "csrf"');
  assert.equal(error.name, 'MasterKeyMismatchError');
  assert.match(error.message, /^the page key "csrf" does not open with this master key/);
  assert.match(error.message, /GATEHOUSE_PREVIOUS_SECRET/);
});
