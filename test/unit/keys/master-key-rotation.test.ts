import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { KeyStore } from '../../../src/keys/key-store.js';
import { resealedNotice, resealUnderCurrentMasterKey } from '../../../src/keys/master-key-rotation.js';
import { PAGE_KEY_NAMES, PageKeys, pageKeyContext } from '../../../src/keys/page-keys.js';
import { seal, unseal } from '../../../src/keys/sealed-box.js';
import { MemoryPageKeys, MemorySigningKeys, sealedKeysOf } from '../../../src/memory/keys.js';

test('what opens under the previous master key is sealed again under the current one, the rest left alone', async () => {
  const [previous, current, unrelated] = [randomBytes(32), randomBytes(32), randomBytes(32)];
  const signing = new MemorySigningKeys();
  const pages = new MemoryPageKeys();
  const changes = { generation: () => 0 };
  const oldKeys = new KeyStore(signing, changes, previous, async () => 900, 60_000);
  await oldKeys.ensureKeys();
  const pageKeys = new PageKeys(pages, previous);
  await pageKeys.ensure();
  const kids = signing.rows.map((row) => row.kid).sort();
  // One value already under the current key (a restart after a rotation), one under neither (left for the start to refuse).
  await pages.addIfAbsent({ name: 'already-current', sealed: seal(current, 'a', 'page-key:already-current') });
  await pages.addIfAbsent({ name: 'foreign', sealed: seal(unrelated, 'b', 'page-key:foreign') });
  const foreign = pages.rows.find((row) => row.name === 'foreign')!.sealed;
  const alreadyCurrent = pages.rows.find((row) => row.name === 'already-current')!.sealed;

  assert.equal(await resealUnderCurrentMasterKey(sealedKeysOf(signing, pages), previous, current), 4, 'two signing keys, two page keys');
  assert.equal(pages.rows.find((row) => row.name === 'foreign')!.sealed, foreign);
  assert.equal(pages.rows.find((row) => row.name === 'already-current')!.sealed, alreadyCurrent);

  const newKeys = new KeyStore(signing, changes, current, async () => 900, 60_000);
  await newKeys.ensureKeys();
  assert.deepEqual(signing.rows.map((row) => row.kid).sort(), kids, 'the same keys open under the new master key; none was made anew');
  for (const name of PAGE_KEY_NAMES) {
    const row = pages.rows.find((each) => each.name === name)!;
    assert.deepEqual(Buffer.from(unseal(current, row.sealed, pageKeyContext(name)), 'base64url'), pageKeys.key(name), `${name} kept`);
  }
  assert.equal(await resealUnderCurrentMasterKey(sealedKeysOf(signing, pages), previous, current), 0, 'a second run has nothing to do');
});

test('after a re-seal the operator is told to drop the previous secret', () => {
  assert.equal(
    resealedNotice(4),
    'sealed 4 keys again under the new GATEHOUSE_SECRET; remove GATEHOUSE_PREVIOUS_SECRET once every instance runs with it',
  );
});
