import argon2 from 'argon2';

/**
 * Password hashing with argon2id at the OWASP Password Storage Cheat Sheet's parameters (m = 19 MiB, t = 2, p = 1).
 * The PHC string records the parameters, so raising them later re-hashes users as they sign in.
 */
const OPTIONS = { type: argon2.argon2id, memoryCost: 19 * 1024, timeCost: 2, parallelism: 1 } as const;

export const MIN_PASSWORD_LENGTH = 8;
export const MAX_PASSWORD_LENGTH = 1024;

export function hashPassword(password: string): Promise<string> {
  return argon2.hash(password, OPTIONS);
}

/** False for a wrong password and for a hash that cannot be read; never throws for bad input. */
export async function verifyPassword(hash: string, password: string): Promise<boolean> {
  try {
    return await argon2.verify(hash, password);
  } catch {
    return false;
  }
}

export const passwordNeedsRehash = (hash: string): boolean => argon2.needsRehash(hash, OPTIONS);

// Verified against when the username is unknown, so that a miss costs what a wrong password costs.
let dummyHash: Promise<string> | undefined;
export const dummyPasswordHash = (): Promise<string> => (dummyHash ??= hashPassword('gatehouse: no such user'));
