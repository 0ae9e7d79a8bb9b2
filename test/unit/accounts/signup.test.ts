import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isReservedUsername, MAX_SIGNUPS_PER_IP, SelfSignup, SIGNUP_WINDOW_SECONDS } from '../../../src/accounts/signup.js';
import { MemoryAttemptCounter } from '../../../src/memory/sign-in.js';
import { nowSeconds } from '../../../src/ports/clock.js';
import { RefusedError } from '../../../src/ports/refused-error.js';
import type { AttemptCounter } from '../../../src/ports/sign-in.js';
import type { NewAccount, UserRegistration } from '../../../src/ports/users.js';
import { fake } from '../support.js';

/** The in-memory attempt counter, with the keys it was asked to count, in order. */
function memoryCounter() {
  const counter = new MemoryAttemptCounter();
  const counted: string[] = [];
  const recordAttempt = counter.recordAttempt.bind(counter);
  counter.recordAttempt = async (key, windowSeconds, now) => {
    assert.equal(windowSeconds, SIGNUP_WINDOW_SECONDS);
    counted.push(key);
    return recordAttempt(key, windowSeconds, now);
  };
  return { counter, counted };
}

/** A registration that knows the names in `taken`, creating the others. */
function registration(taken: ReadonlySet<string>, counted: readonly string[] = []) {
  const created: NewAccount[] = [];
  /** How many attempts had been counted when each account was created. */
  const countedBefore: number[] = [];
  const users: UserRegistration = {
    createUser: async (account) => {
      if (taken.has(account.username)) throw new RefusedError(`the username "${account.username}" is taken`, 'conflict');
      created.push(account);
      countedBefore.push(counted.length);
      return { id: `id-${account.username}`, username: account.username };
    },
  };
  return { users, created, countedBefore };
}

const account = (username: string): NewAccount => ({ username, password: 'a long enough passphrase', email: `${username}@example.com` });

test('names that pass for the operator or a mail role (RFC 2142) are reserved, whatever their case', () => {
  for (const name of ['admin', 'Administrator', ' ROOT ', 'postmaster', 'abuse', 'noreply', 'gatehouse']) {
    assert.equal(isReservedUsername(name), true, name);
  }
  for (const name of ['alice', 'admins', 'root1', 'no-reply']) assert.equal(isReservedUsername(name), false, name);
});

test('a free name is created, a taken one answered as taken, each counted once per address before it is created', async () => {
  const { counter, counted } = memoryCounter();
  const { users, created, countedBefore } = registration(new Set(['alice']), counted);
  const signup = new SelfSignup(users, counter);
  assert.deepEqual(await signup.signUp(account('bob'), '203.0.113.7'), { outcome: 'created', user: { id: 'id-bob', username: 'bob' } });
  assert.deepEqual(await signup.signUp(account('alice'), '203.0.113.7'), { outcome: 'taken' });
  assert.deepEqual(
    created.map((each) => each.username),
    ['bob'],
  );
  assert.deepEqual(countedBefore, [1], 'counted before it was created');
  assert.deepEqual(counted, ['signup:203.0.113.7', 'signup:203.0.113.7']);
  assert.equal(counter.windows.get('signup:203.0.113.7')?.count, 2);
});

test('a reserved name is refused as invalid before anything is counted or created', async () => {
  const { counter, counted } = memoryCounter();
  const { users, created } = registration(new Set());
  await assert.rejects(
    new SelfSignup(users, counter).signUp(account('Postmaster'), '203.0.113.7'),
    (error: unknown) => error instanceof RefusedError && error.kind === 'invalid' && /reserved/.test(error.message),
  );
  assert.deepEqual(counted, []);
  assert.deepEqual(created, []);
});

test('past the limit an address is told how long to wait, and nothing more is created', async () => {
  const { counter } = memoryCounter();
  const { users, created } = registration(new Set());
  const signup = new SelfSignup(users, counter);
  for (let i = 0; i < MAX_SIGNUPS_PER_IP; i++) {
    assert.equal((await signup.signUp(account(`user${i}`), '198.51.100.1')).outcome, 'created');
  }
  const windowStart = nowSeconds() - 60;
  counter.windows.get('signup:198.51.100.1')!.windowStart = windowStart;
  const refused = await signup.signUp(account('one-more'), '198.51.100.1');
  assert.ok(refused.outcome === 'throttled');
  // The window began a minute ago, so what is left of it is the window less that minute.
  assert.ok(Math.abs(refused.retryAfter - (windowStart + SIGNUP_WINDOW_SECONDS - nowSeconds())) <= 1);
  assert.equal(created.length, MAX_SIGNUPS_PER_IP);
  assert.equal((await signup.signUp(account('elsewhere'), '198.51.100.2')).outcome, 'created', 'another address has its own count');
});

test("a window already over by sign-up's clock (the counter's clock ran ahead) still asks for a second", async () => {
  const { users, created } = registration(new Set());
  const aheadCounter = fake<AttemptCounter>({
    recordAttempt: async () => ({ count: MAX_SIGNUPS_PER_IP + 1, windowStart: nowSeconds() - SIGNUP_WINDOW_SECONDS }),
  });
  assert.deepEqual(await new SelfSignup(users, aheadCounter).signUp(account('late'), '::1'), { outcome: 'throttled', retryAfter: 1 });
  assert.deepEqual(created, []);
});

test('a refusal other than a taken name reaches the caller unchanged', async () => {
  const { counter } = memoryCounter();
  const weak = new RefusedError('the password is too easy to guess');
  const failing = new Error('the store is down');
  const refusing = (error: Error) => new SelfSignup({ createUser: async () => Promise.reject(error) }, counter);
  await assert.rejects(refusing(weak).signUp(account('carol'), '::1'), weak);
  await assert.rejects(refusing(failing).signUp(account('carol'), '::1'), failing);
});
