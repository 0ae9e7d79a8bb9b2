import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isReservedUsername, MAX_SIGNUPS_PER_IP, SelfSignup, SIGNUP_WINDOW_SECONDS } from '../../../src/accounts/signup.js';
import { RefusedError } from '../../../src/ports/refused-error.js';
import type { AttemptCounter } from '../../../src/ports/sign-in.js';
import type { NewAccount, UserRegistration } from '../../../src/ports/users.js';

/** A counter in memory with one fixed window: enough to see what is counted and when the limit applies. */
function memoryCounter() {
  const counts = new Map<string, number>();
  const counter: AttemptCounter = {
    recordAttempt: async (key, windowSeconds, now) => {
      assert.equal(windowSeconds, SIGNUP_WINDOW_SECONDS);
      const count = (counts.get(key) ?? 0) + 1;
      counts.set(key, count);
      return { count, windowStart: now - 60 };
    },
  };
  return { counter, counts };
}

/** A registration that knows the names in `taken`, creating the others. */
function registration(taken: ReadonlySet<string>) {
  const created: NewAccount[] = [];
  const users: UserRegistration = {
    createUser: async (account) => {
      if (taken.has(account.username)) throw new RefusedError(`the username "${account.username}" is taken`, 'conflict');
      created.push(account);
      return { id: `id-${account.username}`, username: account.username };
    },
  };
  return { users, created };
}

const account = (username: string): NewAccount => ({ username, password: 'a long enough passphrase', email: `${username}@example.com` });

test('a free name is created, a taken one answered as taken, each counted once per address', async () => {
  const { counter, counts } = memoryCounter();
  const { users, created } = registration(new Set(['alice']));
  const signup = new SelfSignup(users, counter);
  assert.deepEqual(await signup.signUp(account('bob'), '203.0.113.7'), { outcome: 'created', user: { id: 'id-bob', username: 'bob' } });
  assert.deepEqual(await signup.signUp(account('alice'), '203.0.113.7'), { outcome: 'taken' });
  assert.deepEqual(
    created.map((each) => each.username),
    ['bob'],
  );
  assert.equal(counts.get('signup:203.0.113.7'), 2);
});

test('a reserved name is refused as invalid before anything is counted or created', async () => {
  const { counter, counts } = memoryCounter();
  const { users, created } = registration(new Set());
  assert.ok(isReservedUsername(' Admin '));
  await assert.rejects(
    new SelfSignup(users, counter).signUp(account('Postmaster'), '203.0.113.7'),
    (error: unknown) => error instanceof RefusedError && error.kind === 'invalid' && /reserved/.test(error.message),
  );
  assert.equal(counts.size, 0);
  assert.deepEqual(created, []);
});

test('past the limit an address is told how long to wait, and nothing more is created', async () => {
  const { counter } = memoryCounter();
  const { users, created } = registration(new Set());
  const signup = new SelfSignup(users, counter);
  for (let i = 0; i < MAX_SIGNUPS_PER_IP; i++) {
    assert.equal((await signup.signUp(account(`user${i}`), '198.51.100.1')).outcome, 'created');
  }
  const refused = await signup.signUp(account('one-more'), '198.51.100.1');
  // The fake's window began a minute ago, so what is left of it is the window less that minute.
  assert.deepEqual(refused, { outcome: 'throttled', retryAfter: SIGNUP_WINDOW_SECONDS - 60 });
  assert.equal(created.length, MAX_SIGNUPS_PER_IP);
  assert.equal((await signup.signUp(account('elsewhere'), '198.51.100.2')).outcome, 'created', 'another address has its own count');
});

test('a refusal other than a taken name reaches the caller unchanged', async () => {
  const { counter } = memoryCounter();
  const weak = new RefusedError('the password is too easy to guess');
  const failing = new Error('the store is down');
  const refusing = (error: Error) => new SelfSignup({ createUser: async () => Promise.reject(error) }, counter);
  await assert.rejects(refusing(weak).signUp(account('carol'), '::1'), weak);
  await assert.rejects(refusing(failing).signUp(account('carol'), '::1'), failing);
});
