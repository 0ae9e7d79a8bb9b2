import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import { MIN_PASSWORD_SCORE, passwordProblem } from '../../../src/accounts/password-policy.js';
import { estimateStrength } from '../../../src/accounts/password-strength.js';

const STRONG = 'Tq8#vLm2!pZr5wXe';
const COMMON = /one of the most common passwords/;
const USERNAME_BASED = /must not be or contain the username/;
const LENGTH = /8-1024 characters/;

describe('the password policy (NIST SP 800-63B §5.1.1.2)', () => {
  test('each rule is named in its message', async () => {
    const cases: [string, string, RegExp | undefined][] = [
      ['Tq8#vLm', 'alice', LENGTH],
      ['x'.repeat(1025), 'alice', LENGTH],
      ['ALICE', 'alice', LENGTH],
      ['AliceTheGreat-Tq8#', 'alice', USERNAME_BASED],
      ['bobbybob', 'bobbybob', USERNAME_BASED],
      ['Gatehouse-Tq8#vLm2', 'alice', /must not be or contain "gatehouse"/],
      ['iloveyou', 'alice', COMMON],
      ['P@ssw0rd', 'alice', COMMON],
      ['drowssap', 'alice', COMMON],
      ['secret123', 'alice', /too easy to guess/],
      ['qwerty123456', 'alice', /too easy to guess|most common/],
      [STRONG, 'alice', undefined],
      // A username of 3 characters is only refused whole: "bob" inside a long passphrase is chance, not a pattern.
      ['bob-Tq8#vLm2!pZr', 'bob', undefined],
    ];
    for (const [password, username, message] of cases) {
      const problem = await passwordProblem(password, { username });
      if (message === undefined) assert.equal(problem, undefined, password);
      else assert.match(problem ?? 'accepted', message, password);
    }
  });

  test("the user's own details are the first guesses", async () => {
    assert.equal(await passwordProblem('Winterbottom1987', { username: 'mw' }), undefined);
    assert.match((await passwordProblem('Winterbottom1987', { username: 'mw', name: 'Mary Winterbottom' }))!, /too easy to guess/);
    assert.equal(await passwordProblem('Quokka2024!', { username: 'mw' }), undefined);
    assert.match((await passwordProblem('Quokka2024!', { username: 'mw', email: 'quokka@example.com' }))!, /too easy to guess/);
  });

  test('length counts characters (code points), not UTF-16 units', async () => {
    // Seven characters, fourteen UTF-16 units: too short however it is encoded.
    assert.match((await passwordProblem('🦊🐙🦉🐝🦀🐢🦩', { username: 'alice' }))!, LENGTH);
    // 1,024 characters of 2 units each is 1,024 characters: within the limit.
    assert.equal(await passwordProblem(`${STRONG}${'🦊'.repeat(1024 - STRONG.length)}`, { username: 'alice' }), undefined);
  });

  test('only the first 64 characters are judged (zxcvbn slows steeply with length)', async () => {
    const guessable = 'abcdefgh'.repeat(8);
    const randomTail = randomBytes(48).toString('base64');
    assert.match((await passwordProblem(guessable, { username: 'alice' }))!, /too easy to guess/);
    // The random tail would make the whole unguessable; it is beyond what is judged, so the sequence decides.
    assert.match((await passwordProblem(`${guessable}${randomTail}`, { username: 'alice' }))!, /too easy to guess/);
    assert.equal(await passwordProblem(`${STRONG}${'a'.repeat(1000)}`, { username: 'alice' }), undefined);
    // The rules on the username and the service's name still read the whole password.
    assert.match((await passwordProblem(`${STRONG}${randomTail}alice`, { username: 'alice' }))!, USERNAME_BASED);
  });
});

test('the strength estimate: common passwords, also reversed or in l33t spelling, and the score the policy asks for', () => {
  for (const common of ['password', 'drowssap', 'P@ssw0rd']) assert.equal(estimateStrength(common).commonPassword, true, common);
  const strong = estimateStrength(STRONG);
  assert.equal(strong.commonPassword, false);
  assert.ok(strong.score >= MIN_PASSWORD_SCORE);
  assert.ok(strong.guessesLog10 > 10);
  // The context words are tried first: a password made of them is guessed at once.
  assert.ok(estimateStrength('Winterbottom1987', ['winterbottom']).guessesLog10 < estimateStrength('Winterbottom1987').guessesLog10);
});
