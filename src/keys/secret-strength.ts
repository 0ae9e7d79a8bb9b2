const MIN_LENGTH = 32;
/** 10^24 guesses (about 2^80): out of reach of an offline search, even of one HKDF per guess on many GPUs. */
const MIN_GUESSES_LOG10 = 24;
/**
 * zxcvbn rates a character it cannot explain by a pattern at 10 guesses, so a random value scores about one digit per
 * character (measured on random base64 and hex secrets: 0.84 at the lowest, where digits happen to read as dates),
 * while a long value of words, repeats or sequences can pass the plain floor ("correct horse battery staple correct
 * horse" scores 31.6 for its 42 characters, 0.75 per character). Asking for 0.8 per character refuses those.
 */
const MIN_GUESSES_LOG10_PER_CHARACTER = 0.8;
/** zxcvbn-ts estimates the first 256 characters only (its maxLength); a longer secret is judged by those. */
const ESTIMATED_LENGTH = 256;

/** Why the secret is too guessable to seal keys with, or undefined when it is not. */
export async function secretWeakness(secret: string): Promise<string | undefined> {
  if (secret.length < MIN_LENGTH) return `it has ${secret.length} characters, fewer than ${MIN_LENGTH}`;
  // Loaded only here: the estimator and its word lists take a few hundred milliseconds to load, which a server
  // started with a generated master.key (or a CLI command) need not pay.
  const { estimateStrength } = await import('../accounts/password-strength.js');
  const strength = estimateStrength(secret, ['gatehouse']);
  if (strength.commonPassword) return 'it is a common password';
  const estimated = Math.min(secret.length, ESTIMATED_LENGTH);
  if (strength.guessesLog10 < MIN_GUESSES_LOG10 || strength.guessesLog10 < MIN_GUESSES_LOG10_PER_CHARACTER * estimated) {
    return 'it is made of guessable parts (words, repeats, sequences, keyboard walks or dates)';
  }
  return undefined;
}

/** GATEHOUSE_SECRET is too guessable to seal keys with: a configuration the server refuses to start on. */
export class WeakSecretError extends Error {
  override name = 'WeakSecretError';
}

/** Refuses to go on with a guessable GATEHOUSE_SECRET: one line saying what is wrong and how to make a good one. */
export async function assertStrongSecret(secret: string): Promise<void> {
  const weakness = await secretWeakness(secret);
  if (weakness === undefined) return;
  throw new WeakSecretError(
    `GATEHOUSE_SECRET is too weak: ${weakness}. Use at least ${MIN_LENGTH} random characters, e.g. the output of ` +
      '`openssl rand -base64 32`; to replace a weak secret without losing the keys sealed with it, start once with the ' +
      'old one as GATEHOUSE_PREVIOUS_SECRET and the new one as GATEHOUSE_SECRET',
  );
}
