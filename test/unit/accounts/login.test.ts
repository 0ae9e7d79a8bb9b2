import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import argon2 from 'argon2';
import { DEVICE_COOKIE_TTL_SECONDS, MAX_DEVICE_FAILURES, PasswordLogin, delaySchedules } from '../../../src/accounts/login.js';
import { hashPassword, passwordNeedsRehash } from '../../../src/accounts/passwords.js';
import { sha256Hex } from '../../../src/tokens/hash.js';
import { fake, userRecord } from '../support.js';

type Dependencies = ConstructorParameters<typeof PasswordLogin>;
type User = NonNullable<Awaited<ReturnType<Dependencies[0]['findByUsername']>>>;
type DelayClaim = Awaited<ReturnType<Dependencies[1]['claim']>>;

const SETTINGS = { freeFailures: 3, freeFailuresPerAddress: 20, firstDelay: 1, maxDelay: 900 };
const PASSWORD = 'correct horse battery';
const DEVICE = 'd'.repeat(43);
const now = () => Math.floor(Date.now() / 1000);

let passwordHash: string;
before(async () => {
  passwordHash = await hashPassword(PASSWORD);
});

const alice = (changes: Partial<User> = {}): User => userRecord({ passwordHash, ...changes });

/**
 * Sign-in over fakes that record every call: `refuse` makes a delay refuse its key (milliseconds left), and
 * `knownDevices` are the device cookies (by hash) that still count for the user.
 */
function loginWith(options: { user?: User; refuse?: Record<string, number>; knownDevices?: string[] } = {}) {
  const calls: unknown[][] = [];
  const user = options.user ?? alice();
  const login = new PasswordLogin(
    fake<Dependencies[0]>({
      findByUsername: async (username) => (username.toLowerCase() === user.username ? user : undefined),
      setPasswordHash: async (id, hash) => void calls.push(['setPasswordHash', id, hash]),
    }),
    fake<Dependencies[1]>({
      claim: async (key, schedule): Promise<DelayClaim> => {
        calls.push(['claim', key, schedule.freeFailures]);
        const left = options.refuse?.[key];
        return left === undefined ? { allowed: true, claim: `claim-of-${key}` } : { allowed: false, retryAfterMs: left };
      },
      withdraw: async (key, claim) => void calls.push(['withdraw', key, claim]),
      clear: async (key) => void calls.push(['clear', key]),
    }),
    fake<Dependencies[2]>({
      claim: async (tokenHash, userId, maxFailures) => {
        calls.push(['device.claim', tokenHash, userId, maxFailures]);
        return options.knownDevices?.includes(tokenHash) ?? false;
      },
      replace: async (presented, device) => void calls.push(['device.replace', presented, device]),
    }),
    SETTINGS,
  );
  return { login, calls, named: (name: string) => calls.filter((call) => call[0] === name) };
}

test('the delay schedules of the settings, in milliseconds; counters start again after four times the longest', () => {
  assert.deepEqual(delaySchedules(SETTINGS), {
    account: { freeFailures: 3, firstDelayMs: 1000, maxDelayMs: 900_000 },
    address: { freeFailures: 20, firstDelayMs: 1000, maxDelayMs: 900_000 },
    quietPeriodMs: 3_600_000,
  });
});

describe('PasswordLogin.attempt', () => {
  test('the right password: the address, then the account, claim an evaluation; success takes both back', async () => {
    const { login, calls } = loginWith();
    const result = await login.attempt('Alice', PASSWORD, '192.0.2.1');
    assert.ok(result.ok);
    assert.equal(result.user.id, 'user-1');
    assert.match(result.deviceCookie, /^[\w-]{43}$/);
    const [replaced] = calls.filter((call) => call[0] === 'device.replace');
    assert.ok(replaced);
    const device = replaced[2] as { tokenHash: string; userId: string; expiresAt: number };
    assert.equal(device.tokenHash, sha256Hex(result.deviceCookie), 'the store keeps only the hash of the new cookie');
    assert.ok(Math.abs(device.expiresAt - (now() + DEVICE_COOKIE_TTL_SECONDS)) <= 1);
    assert.deepEqual(calls, [
      ['claim', 'ip:192.0.2.1', 20],
      ['claim', 'user:alice', 3],
      ['clear', 'user:alice'],
      ['withdraw', 'ip:192.0.2.1', 'claim-of-ip:192.0.2.1'],
      ['device.replace', undefined, { tokenHash: device.tokenHash, userId: 'user-1', expiresAt: device.expiresAt }],
    ]);
  });

  test('a wrong password, an unknown name and a disabled account get one answer; the failures stay counted', async () => {
    for (const [user, username, password] of [
      [alice(), 'alice', 'wrong password'],
      [alice(), 'bob', PASSWORD],
      [alice({ disabledAt: now() - 1 }), 'alice', PASSWORD],
    ] as const) {
      const { login, calls } = loginWith({ user });
      assert.deepEqual(await login.attempt(username, password, '192.0.2.1'), { ok: false, reason: 'invalid' });
      assert.deepEqual(calls, [
        ['claim', 'ip:192.0.2.1', 20],
        ['claim', `user:${username}`, 3],
      ]);
    }
  });

  test('an address inside its delay is refused unchecked, and the account is not touched', async () => {
    const { login, calls } = loginWith({ refuse: { 'ip:192.0.2.1': 1500 } });
    assert.deepEqual(await login.attempt('alice', PASSWORD, '192.0.2.1'), {
      ok: false,
      reason: 'throttled',
      delayed: 'address',
      retryAfter: 2,
    });
    assert.deepEqual(calls, [['claim', 'ip:192.0.2.1', 20]]);
  });

  test('an account inside its delay is refused unchecked, and the address gets its failure back', async () => {
    const { login, calls } = loginWith({ refuse: { 'user:alice': 4000 } });
    assert.deepEqual(await login.attempt(' ALICE ', PASSWORD, '192.0.2.1'), {
      ok: false,
      reason: 'throttled',
      delayed: 'account',
      retryAfter: 4,
    });
    assert.deepEqual(calls, [
      ['claim', 'ip:192.0.2.1', 20],
      ['claim', 'user:alice', 3],
      ['withdraw', 'ip:192.0.2.1', 'claim-of-ip:192.0.2.1'],
    ]);
  });

  test("a device cookie that signed in before passes both delays, and its success leaves the account's count alone", async () => {
    const presented = sha256Hex(DEVICE);
    const { login, calls, named } = loginWith({ refuse: { 'ip:192.0.2.1': 60_000, 'user:alice': 60_000 }, knownDevices: [presented] });
    const result = await login.attempt('alice', PASSWORD, '192.0.2.1', DEVICE);
    assert.ok(result.ok);
    assert.notEqual(result.deviceCookie, DEVICE, 'the cookie is replaced at every sign-in');
    assert.deepEqual(calls[0], ['device.claim', presented, 'user-1', MAX_DEVICE_FAILURES]);
    assert.deepEqual(named('claim').length + named('clear').length + named('withdraw').length, 0);
    assert.equal(named('device.replace')[0]?.[1], presented);
  });

  test('a device cookie that no longer counts, or is malformed, is held back like any other attempt', async () => {
    const stale = loginWith({ refuse: { 'ip:192.0.2.1': 60_000 } });
    assert.equal((await stale.login.attempt('alice', PASSWORD, '192.0.2.1', DEVICE)).ok, false);
    assert.equal(stale.named('device.claim').length, 1);
    const malformed = loginWith();
    assert.ok((await malformed.login.attempt('alice', PASSWORD, '192.0.2.1', 'short')).ok);
    assert.deepEqual(malformed.named('device.claim'), []);
    assert.equal(malformed.named('device.replace')[0]?.[1], undefined);
    const unknownUser = loginWith();
    await unknownUser.login.attempt('bob', PASSWORD, '192.0.2.1', DEVICE);
    assert.deepEqual(unknownUser.named('device.claim'), [], 'a device counts only for a user that exists');
  });

  test('a hash made with weaker parameters is replaced at sign-in (OWASP Password Storage)', async () => {
    const weak = await argon2.hash(PASSWORD, { type: argon2.argon2id, memoryCost: 4096, timeCost: 1, parallelism: 1 });
    const { login, named } = loginWith({ user: alice({ passwordHash: weak }) });
    assert.ok((await login.attempt('alice', PASSWORD, '192.0.2.1')).ok);
    const [rehash] = named('setPasswordHash');
    assert.equal(rehash?.[1], 'user-1');
    assert.equal(passwordNeedsRehash(weak), true);
    assert.equal(passwordNeedsRehash(String(rehash?.[2])), false);
    assert.ok(await argon2.verify(String(rehash?.[2]), PASSWORD));
    const current = loginWith();
    await current.login.attempt('alice', PASSWORD, '192.0.2.1');
    assert.deepEqual(current.named('setPasswordHash'), []);
  });
});
