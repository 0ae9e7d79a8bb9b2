import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { resealedNotice } from '../../../src/keys/master-key-rotation.js';
import { PAGE_KEY_NAMES, pageKeyContext } from '../../../src/keys/page-keys.js';
import { seal, unsealIfOpens } from '../../../src/keys/sealed-box.js';

test("a page key is sealed bound to its name: moved to another row, or to a signing key's, it does not open", () => {
  assert.deepEqual([...PAGE_KEY_NAMES], ['csrf', 'interactions']);
  assert.equal(pageKeyContext('csrf'), 'page-key:csrf');
  const masterKey = randomBytes(32);
  const sealed = seal(masterKey, randomBytes(32).toString('base64url'), pageKeyContext('csrf'));
  assert.ok(unsealIfOpens(masterKey, sealed, pageKeyContext('csrf')));
  assert.equal(unsealIfOpens(masterKey, sealed, pageKeyContext('interactions')), undefined);
  assert.equal(unsealIfOpens(masterKey, sealed, 'csrf'), undefined, 'a signing key is sealed for its bare kid');
});

test('after a re-seal the operator is told to drop the previous secret', () => {
  assert.equal(
    resealedNotice(4),
    'sealed 4 keys again under the new GATEHOUSE_SECRET; remove GATEHOUSE_PREVIOUS_SECRET once every instance runs with it',
  );
});
