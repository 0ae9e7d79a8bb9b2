import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MAX_SIGNUPS_PER_IP, SIGNUP_WINDOW_SECONDS, SelfSignup, isReservedUsername } from '../../../src/accounts/signup.js';
import { fake } from '../support.js';

type Dependencies = ConstructorParameters<typeof SelfSignup>;
type CreatedUser = Awaited<ReturnType<Dependencies[0]['createUser']>>;

const now = () => Math.floor(Date.now() / 1000);

test('names that pass for the operator or a mail role (RFC 2142) are reserved, whatever their case', () => {
  for (const name of ['admin', 'Administrator', ' ROOT ', 'postmaster', 'abuse', 'noreply', 'gatehouse']) {
    assert.equal(isReservedUsername(name), true, name);
  }
  for (const name of ['alice', 'admins', 'root1', 'no-reply']) assert.equal(isReservedUsername(name), false, name);
});

/** Sign-up over a throttle that counts per key as the store does, and a user creation that records its input. */
function signupWith(countSoFar = 0, windowStart = now() - 60) {
  const created: unknown[] = [];
  const attempts: [string, number][] = [];
  let count = countSoFar;
  const signup = new SelfSignup(
    fake<Dependencies[0]>({
      createUser: async (input) => {
        created.push(input);
        return { id: 'user-1', username: input.username } as CreatedUser;
      },
    }),
    fake<Dependencies[1]>({
      recordAttempt: async (key, windowSeconds) => {
        attempts.push([key, windowSeconds]);
        count++;
        return { count, windowStart };
      },
    }),
  );
  return { signup, created, attempts };
}

test('a sign-up is counted per address before the user is created', async () => {
  const { signup, created, attempts } = signupWith();
  const result = await signup.signUp({ username: 'alice', password: 'Tq8#vLm2!pZr5wXe' }, '192.0.2.1');
  assert.equal(result.outcome, 'created');
  assert.deepEqual(attempts, [['signup:192.0.2.1', SIGNUP_WINDOW_SECONDS]]);
  assert.deepEqual(created, [{ username: 'alice', password: 'Tq8#vLm2!pZr5wXe' }]);
});

test('past the limit of the window: throttled with the seconds left, and nothing is created', async () => {
  const { signup, created } = signupWith(MAX_SIGNUPS_PER_IP, now() - 100);
  const result = await signup.signUp({ username: 'alice', password: 'Tq8#vLm2!pZr5wXe' }, '192.0.2.1');
  assert.equal(result.outcome, 'throttled');
  assert.ok(result.outcome === 'throttled');
  assert.ok(Math.abs(result.retryAfter - (SIGNUP_WINDOW_SECONDS - 100)) <= 1);
  assert.deepEqual(created, []);
  const ending = signupWith(MAX_SIGNUPS_PER_IP, now() - SIGNUP_WINDOW_SECONDS);
  const last = await ending.signup.signUp({ username: 'alice', password: 'x' }, '192.0.2.1');
  assert.deepEqual(last, { outcome: 'throttled', retryAfter: 1 }, 'never less than a second');
});

test('a reserved name is refused before anything is counted', async () => {
  const { signup, attempts, created } = signupWith();
  await assert.rejects(signup.signUp({ username: 'Admin', password: 'Tq8#vLm2!pZr5wXe' }, '192.0.2.1'), /this username is reserved/);
  assert.deepEqual(attempts, []);
  assert.deepEqual(created, []);
});
