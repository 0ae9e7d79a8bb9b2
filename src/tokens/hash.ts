import { createHash, timingSafeEqual } from 'node:crypto';

/** SHA-256 of a high-entropy secret, hex. Such secrets need no slow KDF (DESIGN §2). */
export function sha256Hex(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}

/** Constant-time comparison of a presented secret against a stored SHA-256 hex digest. */
export function secretMatchesHash(secret: string, storedHashHex: string): boolean {
  const presented = createHash('sha256').update(secret).digest();
  const stored = Buffer.from(storedHashHex, 'hex');
  return stored.length === presented.length && timingSafeEqual(presented, stored);
}
