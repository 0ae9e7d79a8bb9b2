/** What a resource server (an API) needs to accept Gatehouse access tokens. */
export {
  verifyAccessToken,
  remoteJwks,
  scopesOf,
  InvalidTokenError,
  InsufficientScopeError,
  type AccessTokenClaims,
  type VerifyAccessTokenOptions,
} from './verify-access-token.js';
export { bearerTokenFrom, bearerChallenge, InvalidBearerRequestError } from './bearer.js';
