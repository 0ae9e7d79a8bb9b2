/** What a resource server (an API) needs to accept Gatehouse access tokens. */
export {
  verifyAccessToken,
  remoteJwks,
  scopesOf,
  InvalidTokenError,
  InsufficientScopeError,
  DEFAULT_ALGORITHMS,
  DEFAULT_CLOCK_TOLERANCE,
  type AccessTokenClaims,
  type VerifyAccessTokenOptions,
} from './verify-access-token.js';
export {
  bearerTokenFrom,
  bearerChallenge,
  InvalidBearerRequestError,
  type BearerChallenge,
  type BearerChallengeOptions,
} from './bearer.js';
export { safeDescription } from './safe-description.js';
export { authenticateBearer, type BearerOptions, type BearerOutcome } from './authenticate.js';
export { expressBearer, type ExpressLikeMiddleware, type ExpressLikeRequest, type ExpressLikeResponse } from './express.js';
export { honoBearer, type HonoLikeContext } from './hono.js';
export { fastifyBearer, type FastifyLikeReply, type FastifyLikeRequest } from './fastify.js';
export {
  protectedResourceMetadata,
  protectedResourceMetadataUrl,
  protectedResourceMetadataPath,
  type ProtectedResourceMetadata,
  type ProtectedResourceMetadataOptions,
} from './metadata.js';
