/** What a resource server (an API) needs to accept Gatehouse access tokens. */

export { authenticateBearer, type BearerMiddlewareOptions, type BearerOptions, type BearerOutcome } from './authenticate.js';
export {
  type BearerChallenge,
  type BearerChallengeOptions,
  bearerChallenge,
  bearerTokenFrom,
  InvalidBearerRequestError,
} from './bearer.js';
export {
  type CorsAnswer,
  type CorsOptions,
  type CorsPolicy,
  type CorsRequestHeaders,
  corsPolicy,
  DEFAULT_CORS_MAX_AGE,
  type NodeLikeRequest,
  type NodeLikeResponse,
  nodeCors,
} from './cors.js';
export { type ExpressLikeMiddleware, type ExpressLikeRequest, type ExpressLikeResponse, expressBearer } from './express.js';
export { type FastifyLikeReply, type FastifyLikeRequest, fastifyBearer } from './fastify.js';
export { type HonoLikeContext, type HonoLikeMiddleware, honoBearer } from './hono.js';
export { type IssuerRule, type MatchedIssuer, matchIssuer } from './issuers.js';
export { DEFAULT_MAX_ISSUERS, type KeysByIssuer, type RemoteJwksByIssuerOptions, remoteJwksByIssuer } from './jwks-by-issuer.js';
export {
  type ProtectedResourceMetadata,
  type ProtectedResourceMetadataOptions,
  protectedResourceMetadata,
  protectedResourceMetadataPath,
  protectedResourceMetadataUrl,
} from './metadata.js';
export { safeDescription } from './safe-description.js';
export {
  type AccessTokenClaims,
  DEFAULT_ALGORITHMS,
  DEFAULT_CLOCK_TOLERANCE,
  InsufficientScopeError,
  InvalidTokenError,
  remoteJwks,
  scopesOf,
  type VerifyAccessTokenOptions,
  verifyAccessToken,
} from './verify-access-token.js';
