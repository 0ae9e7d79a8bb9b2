import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MemoryAttemptCounter, MemorySignInDelays, MemorySignInDevices } from '../../../src/memory/sign-in.js';
import { nowSeconds } from '../../../src/ports/clock.js';

const SCHEDULE = { freeFailures: 2, firstDelayMs: 1000, maxDelayMs: 4000 };

/** Delays over a clock the test moves. */
function delaysAt(start = 1_000_000) {
  const clock = { now: start };
  return { delays: new MemorySignInDelays(60_000, () => clock.now), clock };
}

test('free failures cost nothing; then each waits its delay, doubling up to the most, and a refusal counts nothing', async () => {
  const { delays, clock } = delaysAt();
  assert.equal((await delays.claim('user:alice', SCHEDULE)).allowed, true);
  assert.equal((await delays.claim('user:alice', SCHEDULE)).allowed, true);
  assert.deepEqual(await delays.claim('user:alice', SCHEDULE), { allowed: false, retryAfterMs: 1000 });
  clock.now += 400;
  assert.deepEqual(await delays.claim('user:alice', SCHEDULE), { allowed: false, retryAfterMs: 600 }, 'a refusal does not extend it');
  clock.now += 600;
  assert.equal((await delays.claim('user:alice', SCHEDULE)).allowed, true);
  assert.deepEqual(await delays.claim('user:alice', SCHEDULE), { allowed: false, retryAfterMs: 2000 });
  clock.now += 2000;
  await delays.claim('user:alice', SCHEDULE);
  clock.now += 4000;
  await delays.claim('user:alice', SCHEDULE);
  assert.deepEqual(await delays.claim('user:alice', SCHEDULE), { allowed: false, retryAfterMs: 4000 }, 'never more than the most');
  assert.equal((await delays.claim('user:bob', SCHEDULE)).allowed, true, 'each key has its own count');
});

test('withdrawing a claim takes its failure back and lets the delay run from the failure before; a quiet period starts over', async () => {
  const { delays, clock } = delaysAt();
  await delays.claim('ip:a', SCHEDULE);
  clock.now += 10;
  await delays.claim('ip:a', SCHEDULE);
  clock.now += 5000;
  const third = await delays.claim('ip:a', SCHEDULE);
  assert.ok(third.allowed);
  await delays.withdraw('ip:a', third.claim);
  const restored = { failures: 2, lastFailureMs: 1_000_010, previousFailureMs: 1_000_010, claim: third.claim };
  assert.deepEqual(delays.counters.get('ip:a'), restored);
  await delays.withdraw('ip:a', 'another claim');
  assert.equal(delays.counters.get('ip:a')?.failures, 1, "another's claim: the count drops, the time stays");
  assert.equal(delays.counters.get('ip:a')?.lastFailureMs, 1_000_010);
  clock.now += 60_000;
  await delays.claim('ip:a', SCHEDULE);
  assert.equal(delays.counters.get('ip:a')?.failures, 1, 'after the quiet period the count starts again');
  await delays.clear('ip:a');
  assert.equal(delays.counters.has('ip:a'), false);
});

test('a device counts only for its user, unexpired and below the failures allowed; replacing starts a fresh one', async () => {
  const devices = new MemorySignInDevices();
  await devices.replace(undefined, { tokenHash: 'd1', userId: 'user-1', expiresAt: nowSeconds() + 60 });
  assert.equal(await devices.claim('d1', 'user-2', 2), false);
  assert.equal(await devices.claim('d1', 'user-1', 2), true);
  assert.equal(await devices.claim('d1', 'user-1', 2), true);
  assert.equal(await devices.claim('d1', 'user-1', 2), false);
  await devices.replace('d1', { tokenHash: 'd2', userId: 'user-1', expiresAt: nowSeconds() + 60 });
  assert.deepEqual([...devices.devices.keys()], ['d2']);
  assert.equal(await devices.claim('d2', 'user-1', 2), true);
  await devices.replace(undefined, { tokenHash: 'd3', userId: 'user-1', expiresAt: nowSeconds() });
  assert.equal(await devices.claim('d3', 'user-1', 2), false, 'expired');
});

test('attempts are counted in fixed windows; one after the window starts a new one', async () => {
  const counter = new MemoryAttemptCounter();
  assert.deepEqual(await counter.recordAttempt('signup:a', 60, 1000), { count: 1, windowStart: 1000 });
  assert.deepEqual(await counter.recordAttempt('signup:a', 60, 1059), { count: 2, windowStart: 1000 });
  assert.deepEqual(await counter.recordAttempt('signup:b', 60, 1059), { count: 1, windowStart: 1059 });
  assert.deepEqual(await counter.recordAttempt('signup:a', 60, 1060), { count: 1, windowStart: 1060 });
});
