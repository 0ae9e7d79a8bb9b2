import { bearerChallenge, InsufficientScopeError, InvalidBearerRequestError, InvalidTokenError } from '@gatehouse/resource';
import type { FastifyReply, FastifyRequest } from 'fastify';

const isTokenError = (error: unknown): boolean =>
  error instanceof InvalidTokenError || error instanceof InsufficientScopeError || error instanceof InvalidBearerRequestError;

/**
 * The RFC 6750 §3 answer for a protected route: a bare challenge when the request carried no token (§3.1: no
 * error code then), otherwise the token error's code and description. Undefined for an error that is not about the
 * token of a request that has one: that is for the rest of the error handler.
 */
export function sendBearerChallenge(realm: string, error: unknown, request: FastifyRequest, reply: FastifyReply): FastifyReply | undefined {
  const tokenless = request.headers.authorization === undefined;
  if (!tokenless && !isTokenError(error)) return undefined;
  const challenge = bearerChallenge(realm, tokenless ? undefined : error);
  reply.code(challenge.status).header('www-authenticate', challenge.wwwAuthenticate).header('cache-control', 'no-store');
  return reply.send(challenge.body ?? { message: 'an access token is required' });
}
