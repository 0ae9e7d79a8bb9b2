import type { estimateStrength } from './password-strength.js';
import { MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH } from './passwords.js';

/** Words an attacker tries first against this server's users (NIST SP 800-63B §5.1.1.2: context-specific words). */
const SERVICE_NAME = 'gatehouse';
/** A shorter username ("bob") is too likely to appear by chance inside a good passphrase to refuse it there. */
const MIN_USERNAME_LENGTH_TO_SEARCH = 4;
/** zxcvbn's score of 0-4; 3 is "safely unguessable: moderate protection from an offline slow-hash scenario". */
export const MIN_PASSWORD_SCORE = 3;
/** zxcvbn's matching grows steeply with length (half a second for 2,000 characters); 64 characters already say enough. */
const JUDGED_PREFIX_LENGTH = 64;

/** Who the password is for: what it must not be built from. */
export interface PasswordContext {
  username: string;
  email?: string | null;
  name?: string | null;
}

// zxcvbn and its dictionaries cost ~25 MB and ~250 ms to load: only a process that sets a password pays for them.
let estimator: Promise<typeof estimateStrength> | undefined;
const loadEstimator = (): Promise<typeof estimateStrength> =>
  (estimator ??= import('./password-strength.js').then((module) => module.estimateStrength));

/** NIST SP 800-63B §5.1.1.2 counts each Unicode code point as one character, so "é" is one, not two UTF-16 units. */
const characterCount = (value: string): number => [...value].length;

const isOrContains = (password: string, word: string): boolean => {
  const lowerPassword = password.toLowerCase();
  const lowerWord = word.toLowerCase();
  return lowerPassword === lowerWord || (lowerWord.length >= MIN_USERNAME_LENGTH_TO_SEARCH && lowerPassword.includes(lowerWord));
};

/**
 * Why `password` may not be set for this user, or undefined when it may (NIST SP 800-63B §5.1.1.2, OWASP ASVS 2.1):
 * 8-1024 characters, not the username or the service's name (nor containing them), not one of the most common
 * passwords, and not easily guessed by zxcvbn with the user's own details as hints. The message names the rule broken.
 */
export async function passwordProblem(password: string, context: PasswordContext): Promise<string | undefined> {
  const length = characterCount(password);
  if (length < MIN_PASSWORD_LENGTH || length > MAX_PASSWORD_LENGTH) {
    return `a password is ${MIN_PASSWORD_LENGTH}-${MAX_PASSWORD_LENGTH} characters`;
  }
  if (isOrContains(password, context.username)) return 'the password must not be or contain the username';
  if (isOrContains(password, SERVICE_NAME)) return `the password must not be or contain "${SERVICE_NAME}"`;
  const hints = [context.username, SERVICE_NAME, context.email, context.email?.split('@')[0], ...(context.name?.split(/\s+/) ?? [])];
  const estimate = await loadEstimator();
  const strength = estimate(
    [...password].slice(0, JUDGED_PREFIX_LENGTH).join(''),
    hints.filter((hint): hint is string => !!hint),
  );
  if (strength.commonPassword) return 'the password is one of the most common passwords; choose another';
  if (strength.score < MIN_PASSWORD_SCORE) {
    return 'the password is too easy to guess: use a longer passphrase of unrelated words, or a password manager';
  }
  return undefined;
}
