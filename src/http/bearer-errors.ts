import type { FastifyReply, FastifyRequest } from 'fastify';
import { bearerChallenge } from '@gatehouse/resource';

/**
 * The RFC 6750 §3 answer for a protected route: a bare challenge when the request carried no token (§3.1: no
 * error code then), otherwise the error's code and description. Errors that are not about the token are rethrown
 * for the server's own error handler.
 */
export function sendBearerError(realm: string, error: unknown, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const challenge = bearerChallenge(realm, request.headers.authorization === undefined ? undefined : error);
  reply.code(challenge.status).header('www-authenticate', challenge.wwwAuthenticate).header('cache-control', 'no-store');
  return reply.send(challenge.body ?? { message: 'an access token is required' });
}
