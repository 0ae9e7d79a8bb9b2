import { createHash, randomBytes } from 'node:crypto';
import { errors, type JWTPayload, jwtVerify } from 'jose';
import { isSigningAlgorithm } from '../keys/key-store.js';
import { nowSeconds } from '../ports/clock.js';
import type { User } from '../ports/users.js';
import { signCompactJws, type TokenKeys } from '../tokens/jws.js';
import { userClaims } from './claims.js';

export const ID_TOKEN_SIGNING_ALGORITHMS = ['RS256', 'ES256'] as const;

export interface IdTokenRequest {
  user: User;
  clientId: string;
  /** The client's registered algorithm; RS256 unless it asked for ES256. */
  alg: string;
  scopes: readonly string[];
  authTime: number;
  sessionId: string;
  requestedAt: number;
  accessToken: string;
  nonce?: string;
}

/** OpenID Connect Core §3.1.3.6: the left half of the SHA-256 of the access token, base64url. */
export function accessTokenHash(accessToken: string): string {
  const digest = createHash('sha256').update(accessToken, 'ascii').digest();
  return digest.subarray(0, digest.length / 2).toString('base64url');
}

/** ID tokens (OpenID Connect Core §2), and reading them back as id_token_hint at logout. */
export class IdTokens {
  constructor(
    private readonly issuer: string,
    private readonly keys: TokenKeys,
    readonly ttl: number,
  ) {}

  async issue(request: IdTokenRequest): Promise<string> {
    const alg = isSigningAlgorithm(request.alg) ? request.alg : 'RS256';
    const key = await this.keys.signingKey(alg);
    const iat = nowSeconds();
    const payload: JWTPayload = {
      ...userClaims(request.user, request.scopes),
      iss: this.issuer,
      aud: request.clientId,
      exp: iat + this.ttl,
      iat,
      auth_time: request.authTime,
      ...(request.nonce === undefined ? {} : { nonce: request.nonce }),
      at_hash: accessTokenHash(request.accessToken),
      sid: request.sessionId,
      jti: randomBytes(16).toString('base64url'),
      rat: request.requestedAt,
      azp: request.clientId,
    };
    return signCompactJws(alg, { typ: 'JWT', kid: key.kid }, payload, key.privateKey);
  }

  /**
   * The claims of an ID token this server issued, expired or not (RP-Initiated Logout 1.0 §2 accepts expired
   * hints); undefined when it is not one.
   */
  async readHint(idToken: string): Promise<JWTPayload | undefined> {
    try {
      const { payload, protectedHeader } = await jwtVerify(
        idToken,
        async (header) => {
          const key = header.kid === undefined ? undefined : await this.keys.verificationKey(header.kid);
          if (!key || key.alg !== header.alg) throw new errors.JWKSNoMatchingKey();
          return key.publicKey;
        },
        { issuer: this.issuer, algorithms: [...ID_TOKEN_SIGNING_ALGORITHMS], currentDate: new Date(0) },
      );
      // An access token is signed by the same keys; it is no ID token.
      return protectedHeader.typ === 'at+jwt' ? undefined : payload;
    } catch (error) {
      if (error instanceof errors.JOSEError) return undefined;
      throw error;
    }
  }
}
