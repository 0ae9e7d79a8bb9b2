import { type KeyObject, sign } from 'node:crypto';
import { promisify } from 'node:util';
import type { KeyStore, SigningAlgorithm } from '../keys/key-store.js';

/** What signing and checking tokens needs of the keys: the active key of an algorithm, and a published key by kid. */
export type TokenKeys = Pick<KeyStore, 'signingKey' | 'verificationKey'>;

const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/**
 * JWS compact serialization (RFC 7515 §7.1) signed with node:crypto directly: ES256 as the raw r‖s pair that
 * RFC 7518 §3.4 requires (ieee-p1363), RS256 as RSASSA-PKCS1-v1_5 with SHA-256. It does what jose's SignJWT does
 * for these two algorithms without its WebCrypto layers, which were the token endpoint's largest cost. With a
 * callback, node:crypto signs on the libuv thread pool, so signatures use the other cores while the event loop
 * serves requests. Verification stays with jose.
 */
export async function signCompactJws(
  alg: SigningAlgorithm,
  header: Record<string, unknown>,
  payload: Record<string, unknown>,
  key: KeyObject,
): Promise<string> {
  const signingInput = `${encode({ ...header, alg })}.${encode(payload)}`;
  const signature = await signOnThreadPool('sha256', Buffer.from(signingInput), alg === 'ES256' ? { key, dsaEncoding: 'ieee-p1363' } : key);
  return `${signingInput}.${signature.toString('base64url')}`;
}

const signOnThreadPool = promisify(sign);
