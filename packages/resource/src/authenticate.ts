import { type BearerChallenge, bearerChallenge, bearerTokenFrom } from './bearer.js';
import type { CorsOptions } from './cors.js';
import { type AccessTokenClaims, type VerifyAccessTokenOptions, verifyAccessToken } from './verify-access-token.js';

/** What the middleware need: how to verify a token, plus how to word the RFC 6750 challenge. */
export interface BearerOptions extends VerifyAccessTokenOptions {
  /** The challenge's `realm` (RFC 6750 §3), e.g. the API's name. */
  realm: string;
  /** This resource's RFC 9728 metadata URL, sent as `resource_metadata` in every challenge (RFC 9728 §5.1). */
  resourceMetadata?: string | URL;
}

/** What the Express, Fastify and Hono middleware take: the bearer check, and the browser pages that may call the API. */
export interface BearerMiddlewareOptions extends BearerOptions {
  /**
   * CORS for pages of other origins calling the API from a browser, e.g. the playground at the issuer's origin: the
   * middleware answer their preflights and add the CORS headers to every answer, refusals included (see `corsPolicy`).
   */
  cors?: CorsOptions;
}

export type BearerOutcome = { claims: AccessTokenClaims; challenge?: undefined } | { claims?: undefined; challenge: BearerChallenge };

/**
 * The framework-free core of every middleware: the claims of a good token, or the challenge to answer with (bare
 * when there is no Authorization header, RFC 6750 §3.1). Errors that are not about the token, like a JWKS that
 * cannot be fetched, are thrown for the framework's error handling.
 *
 * @example
 * const outcome = await authenticateBearer(req.headers.authorization, { realm: 'orders', issuer, audience, keys });
 * if (outcome.challenge) return refuse(outcome.challenge);
 */
export async function authenticateBearer(authorization: string | undefined, options: BearerOptions): Promise<BearerOutcome> {
  const challengeOptions = options.resourceMetadata === undefined ? {} : { resourceMetadata: options.resourceMetadata };
  try {
    const token = bearerTokenFrom(authorization);
    if (token === undefined) return { challenge: bearerChallenge(options.realm, undefined, challengeOptions) };
    return { claims: await verifyAccessToken(token, options) };
  } catch (error) {
    return { challenge: bearerChallenge(options.realm, error, challengeOptions) };
  }
}

/** The body of a challenge: the error JSON, or the empty object of a bare one. */
export const challengeBody = (challenge: BearerChallenge): string => JSON.stringify(challenge.body ?? {});
