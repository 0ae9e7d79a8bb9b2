import assert from 'node:assert/strict';
import { test } from 'node:test';
import { generateOpaque, isWellFormedOpaque, OPAQUE_PREFIXES } from '../../../src/tokens/opaque.js';

test('opaque values: prefix, 43 base62 characters of body, 6 of checksum', () => {
  for (const prefix of Object.values(OPAQUE_PREFIXES)) {
    const value = generateOpaque(prefix);
    assert.match(value, new RegExp(`^${prefix}[0-9A-Za-z]{49}$`));
    assert.ok(isWellFormedOpaque(value, prefix));
  }
});

test('opaque values are unique and carry 256 bits: no repeats in 2000 draws, every body character used', () => {
  const values = new Set(Array.from({ length: 2000 }, () => generateOpaque(OPAQUE_PREFIXES.clientSecret)));
  assert.equal(values.size, 2000);
  const used = new Set([...values].flatMap((v) => [...v.slice(8, 8 + 42)]));
  assert.equal(used.size, 62);
});

test('the checksum catches a changed character, a truncation, a transposition and a wrong prefix', () => {
  const value = generateOpaque(OPAQUE_PREFIXES.refreshToken);
  const body = value.slice(8);
  const swapped = value.slice(0, 10) + (value[10] === 'a' ? 'b' : 'a') + value.slice(11);
  const transposed = value.slice(0, 12) + value[13] + value[12] + value.slice(14);
  assert.equal(isWellFormedOpaque(swapped, OPAQUE_PREFIXES.refreshToken), false);
  assert.equal(isWellFormedOpaque(value.slice(0, -1), OPAQUE_PREFIXES.refreshToken), false);
  if (value[12] !== value[13]) assert.equal(isWellFormedOpaque(transposed, OPAQUE_PREFIXES.refreshToken), false);
  assert.equal(isWellFormedOpaque(OPAQUE_PREFIXES.accessToken + body, OPAQUE_PREFIXES.refreshToken), false);
  assert.equal(isWellFormedOpaque(value.replace(/.$/, '!'), OPAQUE_PREFIXES.refreshToken), false);
});
