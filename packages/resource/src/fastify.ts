import { authenticateBearer, type BearerOptions } from './authenticate.js';
import type { AccessTokenClaims } from './verify-access-token.js';

/** The part of a Fastify request the hook reads and writes; declare `auth` with `app.decorateRequest('auth', null)`. */
export interface FastifyLikeRequest {
  headers: { authorization?: string | undefined };
  auth?: AccessTokenClaims | null;
}

/** The part of a Fastify reply the hook uses. */
export interface FastifyLikeReply {
  code(status: number): FastifyLikeReply;
  header(name: string, value: string): FastifyLikeReply;
  send(payload?: unknown): FastifyLikeReply;
}

/**
 * A Fastify `onRequest` (or `preHandler`) hook: a good token's claims go to `request.auth`; otherwise the reply is
 * `bearerChallenge`'s status, `WWW-Authenticate` and JSON body, and the route handler does not run. Decorate the
 * request first, so every request has the same shape (Fastify's advice), and type it by declaration merging.
 *
 * @example
 * declare module 'fastify' { interface FastifyRequest { auth: AccessTokenClaims | null } }
 * app.decorateRequest('auth', null);
 * app.addHook('onRequest', fastifyBearer({ realm: 'orders', issuer, audience: 'https://api.example.com', keys: remoteJwks(jwksUri) }));
 * app.get('/orders', (request) => ({ for: request.auth?.sub }));
 */
export function fastifyBearer(
  options: BearerOptions,
): (request: FastifyLikeRequest, reply: FastifyLikeReply) => Promise<FastifyLikeReply | undefined> {
  return async (request, reply) => {
    const { claims, challenge } = await authenticateBearer(request.headers.authorization, options);
    if (claims) {
      request.auth = claims;
      return undefined;
    }
    // An async hook that has sent the reply returns it, so Fastify stops there.
    return reply
      .code(challenge.status)
      .header('www-authenticate', challenge.wwwAuthenticate)
      .header('cache-control', 'no-store')
      .send(challenge.body ?? {});
  };
}
