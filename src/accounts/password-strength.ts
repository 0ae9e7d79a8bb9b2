import { ZxcvbnFactory } from '@zxcvbn-ts/core';
import { adjacencyGraphs, dictionary } from '@zxcvbn-ts/language-common';

/**
 * How many guesses an attacker who knows the common passwords, keyboard walks, repeats and sequences would need, as
 * zxcvbn estimates it (log10). One estimator for the passwords people choose and the secrets operators set.
 */
export interface Strength {
  guessesLog10: number;
  /** 0 (too guessable) … 4 (very unguessable), zxcvbn's score. */
  score: number;
  /** Whether the whole value is one of the common passwords zxcvbn ships (also reversed or in l33t spelling). */
  commonPassword: boolean;
}

const estimator = new ZxcvbnFactory({ dictionary: { ...dictionary }, graphs: adjacencyGraphs });

/** `context` holds words an attacker would try first for this value: the username, the product's name. */
export function estimateStrength(value: string, context: readonly string[] = []): Strength {
  const result = estimator.check(value, [...context]);
  return {
    guessesLog10: result.guessesLog10,
    score: result.score,
    commonPassword:
      result.sequence.length === 1 &&
      result.sequence[0]!.pattern === 'dictionary' &&
      result.sequence[0]!.dictionaryName === 'passwords-common',
  };
}
