import assert from 'node:assert/strict';
import { test } from 'node:test';
import { delayAfter } from '../../../src/accounts/sign-in-delay.js';

test('no wait while the failures are free, then the first delay doubling per failure up to the longest', () => {
  const schedule = { freeFailures: 3, firstDelayMs: 1000, maxDelayMs: 15 * 60_000 };
  assert.deepEqual(
    [0, 2, 3, 4, 5, 12, 13, 40].map((failures) => delayAfter(schedule, failures)),
    [0, 0, 1000, 2000, 4000, 512_000, 900_000, 900_000],
  );
});
