import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import argon2 from 'argon2';
import { DEVICE_COOKIE_TTL_SECONDS, delaySchedules, MAX_DEVICE_FAILURES, PasswordLogin } from '../../../src/accounts/login.js';
import { hashPassword, verifyPassword } from '../../../src/accounts/passwords.js';
import { nowSeconds } from '../../../src/ports/clock.js';
import type { DelayClaim, DelaySchedule, SignInDelayStore, SignInDeviceStore } from '../../../src/ports/sign-in.js';
import type { User, UserStore } from '../../../src/ports/users.js';
import { sha256Hex } from '../../../src/tokens/hash.js';

const SETTINGS = { freeFailures: 3, freeFailuresPerAddress: 20, firstDelay: 1, maxDelay: 900 };
const PASSWORD = 'correct horse battery staple';
let passwordHash: string;
before(async () => {
  passwordHash = await hashPassword(PASSWORD);
});

/** Everything PasswordLogin asked of its stores, in order, and what the test has them answer. */
function stores(options: { user?: Partial<User>; refuse?: Record<string, number>; knownDevice?: string } = {}) {
  const calls: string[] = [];
  const user: User = {
    id: 'user-1',
    username: 'alice',
    passwordHash,
    email: null,
    emailVerified: false,
    name: null,
    roles: [],
    disabledAt: null,
    createdAt: 1,
    updatedAt: 1,
    ...options.user,
  };
  const users: UserStore = {
    findByUsername: async (username) => (username.trim().toLowerCase() === user.username ? user : undefined),
    setPasswordHash: async (id, hash) => {
      calls.push(`rehash ${id}`);
      user.passwordHash = hash;
    },
  };
  const schedules: Record<string, DelaySchedule> = {};
  const delays: SignInDelayStore = {
    claim: async (key, schedule): Promise<DelayClaim> => {
      calls.push(`claim ${key}`);
      schedules[key] = schedule;
      const retryAfterMs = options.refuse?.[key];
      return retryAfterMs === undefined ? { allowed: true, claim: `claim-of-${key}` } : { allowed: false, retryAfterMs };
    },
    withdraw: async (key, claim) => void calls.push(`withdraw ${key} ${claim}`),
    clear: async (key) => void calls.push(`clear ${key}`),
  };
  const replaced: Parameters<SignInDeviceStore['replace']>[] = [];
  const devices: SignInDeviceStore = {
    claim: async (tokenHash, userId, maxFailures) => {
      calls.push(`device ${userId} ${maxFailures}`);
      return options.knownDevice !== undefined && tokenHash === sha256Hex(options.knownDevice) && userId === user.id;
    },
    replace: async (...args) => void replaced.push(args),
  };
  return { login: new PasswordLogin(users, delays, devices, SETTINGS), calls, replaced, schedules, user };
}

test('the delay schedules of the settings, in milliseconds; counters start again after four times the longest', () => {
  assert.deepEqual(delaySchedules(SETTINGS), {
    account: { freeFailures: 3, firstDelayMs: 1000, maxDelayMs: 900_000 },
    address: { freeFailures: 20, firstDelayMs: 1000, maxDelayMs: 900_000 },
    quietPeriodMs: 3_600_000,
  });
});

test('the right password signs in, takes back its failures and replaces the device cookie', async () => {
  const { login, calls, replaced, schedules } = stores();
  const result = await login.attempt('Alice', PASSWORD, '203.0.113.7');
  assert.ok(result.ok);
  assert.equal(result.user.id, 'user-1');
  assert.match(result.deviceCookie, /^[\w-]{43}$/);
  const address = 'ip:203.0.113.7';
  assert.deepEqual(calls, [`claim ${address}`, 'claim user:alice', 'clear user:alice', `withdraw ${address} claim-of-${address}`]);
  assert.deepEqual(schedules['user:alice'], delaySchedules(SETTINGS).account);
  assert.deepEqual(schedules['ip:203.0.113.7'], delaySchedules(SETTINGS).address);
  const [presented, device] = replaced[0]!;
  assert.equal(presented, undefined);
  assert.equal(device.tokenHash, sha256Hex(result.deviceCookie), 'the store keeps the hash, never the cookie');
  assert.equal(device.userId, 'user-1');
  assert.ok(Math.abs(device.expiresAt - (nowSeconds() + DEVICE_COOKIE_TTL_SECONDS)) <= 2);
});

test('a wrong password, an unknown name and a disabled account are one answer, and each failure stays counted', async () => {
  for (const [username, password, user] of [
    ['alice', 'wrong password', {}],
    ['nobody', PASSWORD, {}],
    ['alice', PASSWORD, { disabledAt: 5 }],
  ] as const) {
    const { login, calls, replaced } = stores({ user });
    assert.deepEqual(await login.attempt(username, password, '203.0.113.7'), { ok: false, reason: 'invalid' });
    assert.deepEqual(calls, ['claim ip:203.0.113.7', `claim user:${username}`], `${username}: claimed, never taken back`);
    assert.equal(replaced.length, 0);
  }
});

test('an address in its delay is refused unchecked, before the account is counted', async () => {
  const { login, calls } = stores({ refuse: { 'ip:203.0.113.7': 1500 } });
  const refused = await login.attempt('alice', PASSWORD, '203.0.113.7');
  assert.deepEqual(refused, { ok: false, reason: 'throttled', delayed: 'address', retryAfter: 2 });
  assert.deepEqual(calls, ['claim ip:203.0.113.7']);
});

test('an account in its delay is refused unchecked, and the address failure is taken back', async () => {
  const { login, calls } = stores({ refuse: { 'user:alice': 30_000 } });
  assert.deepEqual(await login.attempt('alice', PASSWORD, '::1'), { ok: false, reason: 'throttled', delayed: 'account', retryAfter: 30 });
  assert.deepEqual(calls, ['claim ip:::1', 'claim user:alice', 'withdraw ip:::1 claim-of-ip:::1']);
});

test("the account's own device passes both delays and leaves the account's count alone", async () => {
  const cookie = 'd'.repeat(43);
  const { login, calls, replaced } = stores({ refuse: { 'user:alice': 30_000, 'ip:::1': 30_000 }, knownDevice: cookie });
  const result = await login.attempt('alice', PASSWORD, '::1', cookie);
  assert.ok(result.ok);
  assert.deepEqual(calls, [`device user-1 ${MAX_DEVICE_FAILURES}`]);
  assert.equal(replaced[0]![0], sha256Hex(cookie), 'the presented device is the one replaced');
  const stranger = stores({ refuse: { 'user:alice': 30_000 }, knownDevice: cookie });
  const refused = await stranger.login.attempt('alice', PASSWORD, '::1', 'e'.repeat(43));
  assert.deepEqual(refused, { ok: false, reason: 'throttled', delayed: 'account', retryAfter: 30 }, 'another cookie is no device');
});

test('a device cookie that no longer counts, or is malformed, is held back like any other attempt', async () => {
  const stale = stores({ refuse: { 'ip:::1': 30_000 } });
  const refused = await stale.login.attempt('alice', PASSWORD, '::1', 'd'.repeat(43));
  assert.deepEqual(refused, { ok: false, reason: 'throttled', delayed: 'address', retryAfter: 30 });
  assert.equal(stale.calls.filter((call) => call.startsWith('device ')).length, 1, 'the device was asked, and said no');
  const malformed = stores();
  assert.ok((await malformed.login.attempt('alice', PASSWORD, '::1', 'short')).ok);
  assert.ok(!malformed.calls.some((call) => call.startsWith('device ')), 'a malformed cookie is not looked up');
  assert.equal(malformed.replaced[0]![0], undefined, 'and not replaced: it named no device');
  const unknownUser = stores();
  await unknownUser.login.attempt('bob', PASSWORD, '::1', 'd'.repeat(43));
  assert.ok(!unknownUser.calls.some((call) => call.startsWith('device ')), 'a device counts only for a user that exists');
});

test('a hash made with weaker parameters is replaced at sign-in by one at the current parameters', async () => {
  const weak = await argon2.hash(PASSWORD, { type: argon2.argon2id, memoryCost: 4096, timeCost: 1, parallelism: 1 });
  const { login, calls, user } = stores({ user: { passwordHash: weak } });
  assert.ok((await login.attempt('alice', PASSWORD, '::1')).ok);
  assert.ok(calls.includes('rehash user-1'));
  assert.notEqual(user.passwordHash, weak);
  assert.ok(await verifyPassword(user.passwordHash, PASSWORD));
  const current = stores();
  assert.ok((await current.login.attempt('alice', PASSWORD, '::1')).ok);
  assert.ok(!current.calls.some((call) => call.startsWith('rehash')), 'a hash at the current parameters is kept');
});
