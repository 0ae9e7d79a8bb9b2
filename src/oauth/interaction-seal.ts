import { createSecretKey, type KeyObject } from 'node:crypto';
import { EncryptJWT, errors, type JWTPayload, jwtDecrypt } from 'jose';
import { nowSeconds } from '../ports/clock.js';
import { secretMatchesHash, sha256Hex } from '../tokens/hash.js';

/** An authorization request waiting for the user to sign in and consent. */
export interface Interaction<Request> {
  id: string;
  request: Request;
  createdAt: number;
  expiresAt: number;
  /** The session signed in within this interaction: it satisfies prompt=login and max_age, once. */
  sessionId: string | null;
}

const KEY_MANAGEMENT = 'A256KW';
const CONTENT_ENCRYPTION = 'A256GCM';

/**
 * Pending interactions travel sealed in the browser that started them instead of in the store, so an unauthenticated
 * request costs the store nothing. A JWT encrypted as a JWE (RFC 7516) under a random key of their own (a page key,
 * src/keys/page-keys.ts): A256KW wraps a fresh content key for every value, so however many requests anyone sends,
 * no AES-GCM key ever comes near its limit of 2^32 random nonces (NIST SP 800-38D §8.3), as one key with `dir` would.
 * The value names its interaction (`jti`) and the browser it was issued to (`bnd`, a hash of the browser id), and
 * expires with the interaction. Every process on one store has the same page keys, so they open each other's values.
 */
export class InteractionSeal<Request> {
  private secretKey: KeyObject | undefined;

  /** `rawKey` gives the 256-bit key once the page keys are loaded (at start, after this is made). */
  constructor(private readonly rawKey: () => Buffer) {}

  private get key(): KeyObject {
    this.secretKey ??= createSecretKey(this.rawKey());
    return this.secretKey;
  }

  seal(interaction: Interaction<Request>, browserId: string): Promise<string> {
    return new EncryptJWT({
      req: interaction.request,
      bnd: sha256Hex(browserId),
      ...(interaction.sessionId === null ? {} : { sid: interaction.sessionId }),
    })
      .setProtectedHeader({ alg: KEY_MANAGEMENT, enc: CONTENT_ENCRYPTION })
      .setJti(interaction.id)
      .setIssuedAt(interaction.createdAt)
      .setExpirationTime(interaction.expiresAt)
      .encrypt(this.key);
  }

  /** The interaction, when `value` was sealed here for this id and this browser and has not expired. */
  async open(id: string, value: string, browserId: string, now = nowSeconds()): Promise<Interaction<Request> | undefined> {
    let claims: JWTPayload;
    try {
      ({ payload: claims } = await jwtDecrypt(value, this.key, {
        keyManagementAlgorithms: [KEY_MANAGEMENT],
        contentEncryptionAlgorithms: [CONTENT_ENCRYPTION],
        currentDate: new Date(now * 1000),
        requiredClaims: ['jti', 'iat', 'exp'],
      }));
    } catch (error) {
      if (error instanceof errors.JOSEError) return undefined;
      throw error;
    }
    if (claims.jti !== id || typeof claims.bnd !== 'string' || !secretMatchesHash(browserId, claims.bnd)) return undefined;
    return {
      id,
      request: claims.req as Request,
      createdAt: claims.iat!,
      expiresAt: claims.exp!,
      sessionId: typeof claims.sid === 'string' ? claims.sid : null,
    };
  }
}
