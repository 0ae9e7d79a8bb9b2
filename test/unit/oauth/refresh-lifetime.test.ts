import assert from 'node:assert/strict';
import { test } from 'node:test';
import { familyEndsAt, refreshTokenEndsAt } from '../../../src/oauth/refresh-lifetime.js';

const family = { grantId: 'g', startedAt: 1_000, revoked: false, liveTokenHash: 'live', rotatedTokenHash: null, rotatedAt: null };

test('a family ends its lifetime after it began, however often it rotated', () => {
  assert.equal(familyEndsAt(family, 86_400), 87_400);
  assert.equal(familyEndsAt({ startedAt: 0 }, 0), 0);
});

test("a refresh token ends at its own expiry or its family's end, whichever comes first", () => {
  assert.equal(refreshTokenEndsAt({ expiresAt: 5_000, family }, 86_400), 5_000);
  // Issued before the family lifetime existed, or before it was shortened: the family's end wins.
  assert.equal(refreshTokenEndsAt({ expiresAt: 100_000, family }, 86_400), 87_400);
  assert.equal(refreshTokenEndsAt({ expiresAt: 87_400, family }, 86_400), 87_400);
});
