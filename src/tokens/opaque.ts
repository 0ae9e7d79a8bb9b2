import { randomBytes } from 'node:crypto';
import { crc32 } from 'node:zlib';

/**
 * Opaque secrets (DESIGN §2): `prefix` + base62 body of ≥ 32 random bytes + 6 base62 characters of the CRC32 of
 * everything before them. The prefix lets secret scanners find leaked values; the checksum rejects typos and
 * truncations without a database lookup.
 */
export const OPAQUE_PREFIXES = {
  accessToken: 'gate_at_',
  refreshToken: 'gate_rt_',
  authorizationCode: 'gate_ac_',
  clientSecret: 'gate_cs_',
  invitation: 'gate_inv_',
} as const;

export type OpaquePrefix = (typeof OPAQUE_PREFIXES)[keyof typeof OPAQUE_PREFIXES];

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const BODY_BYTES = 32;
// 62^43 > 2^256, so every 32-byte value fits in 43 base62 digits.
const BODY_LENGTH = 43;
const CHECKSUM_LENGTH = 6;
const BASE62 = /^[0-9A-Za-z]+$/;

function toBase62(value: bigint, width: number): string {
  let out = '';
  while (value > 0n) {
    out = ALPHABET[Number(value % 62n)] + out;
    value /= 62n;
  }
  return out.padStart(width, '0');
}

function checksum(text: string): string {
  return toBase62(BigInt(crc32(text)), CHECKSUM_LENGTH);
}

export function generateOpaque(prefix: OpaquePrefix): string {
  const body = toBase62(BigInt(`0x${randomBytes(BODY_BYTES).toString('hex')}`), BODY_LENGTH);
  return prefix + body + checksum(prefix + body);
}

/** True when `value` has the prefix, the shape and a matching checksum; says nothing of whether it was issued. */
export function isWellFormedOpaque(value: string, prefix: OpaquePrefix): boolean {
  if (value.length !== prefix.length + BODY_LENGTH + CHECKSUM_LENGTH || !value.startsWith(prefix)) return false;
  const rest = value.slice(prefix.length);
  if (!BASE62.test(rest)) return false;
  const head = value.slice(0, -CHECKSUM_LENGTH);
  return checksum(head) === value.slice(-CHECKSUM_LENGTH);
}
