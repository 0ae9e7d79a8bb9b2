import { authenticateBearer, type BearerMiddlewareOptions } from './authenticate.js';
import { type CorsRequestHeaders, corsPolicy } from './cors.js';
import type { AccessTokenClaims } from './verify-access-token.js';

/** The part of a Fastify request the hook reads and writes; declare `auth` with `app.decorateRequest('auth', null)`. */
export interface FastifyLikeRequest {
  method: string;
  headers: { authorization?: string | undefined } & CorsRequestHeaders;
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
 * With `cors`, a preflight is answered by the hook (204) and the CORS headers are set on the reply before the token
 * is looked at, so the handler's answer, a challenge and the error handler's answer all carry them. Fastify runs the
 * hooks of the root instance for a path without an OPTIONS route, so a hook added there sees every preflight; inside
 * an encapsulated plugin, give the plugin an OPTIONS route (`child.options('/*', async () => undefined)`).
 *
 * @example
 * declare module 'fastify' { interface FastifyRequest { auth: AccessTokenClaims | null } }
 * app.decorateRequest('auth', null);
 * app.addHook('onRequest', fastifyBearer({ realm: 'orders', issuer, audience: 'https://api.example.com', keys: remoteJwks(jwksUri),
 *   cors: { origins: ['https://auth.example.com'] } }));
 * app.get('/orders', (request) => ({ for: request.auth?.sub }));
 */
export function fastifyBearer(
  options: BearerMiddlewareOptions,
): (request: FastifyLikeRequest, reply: FastifyLikeReply) => Promise<FastifyLikeReply | undefined> {
  const cors = options.cors && corsPolicy(options.cors);
  return async (request, reply) => {
    if (cors) {
      const { preflight, headers } = cors(request.method, request.headers);
      for (const [name, value] of Object.entries(headers)) reply.header(name, value);
      if (preflight) return reply.code(204).send();
    }
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
