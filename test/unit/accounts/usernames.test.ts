import assert from 'node:assert/strict';
import { test } from 'node:test';
import { normalizeUsername } from '../../../src/accounts/usernames.js';

test('usernames compare case-insensitively and without surrounding spaces, so they are stored folded', () => {
  assert.equal(normalizeUsername('Alice'), 'alice');
  assert.equal(normalizeUsername('  ALICE\t'), 'alice');
  assert.equal(normalizeUsername('Ærøskøbing'), 'ærøskøbing');
  assert.equal(normalizeUsername('a b'), 'a b', 'inner spaces are kept');
  assert.equal(normalizeUsername(normalizeUsername('MiXeD')), normalizeUsername('MiXeD'), 'folding twice changes nothing');
});
