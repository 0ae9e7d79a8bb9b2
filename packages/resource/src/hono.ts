import { authenticateBearer, type BearerOptions, challengeBody } from './authenticate.js';
import type { AccessTokenClaims } from './verify-access-token.js';

/** The part of a Hono `Context` the middleware uses. */
export interface HonoLikeContext {
  req: { header(name: string): string | undefined };
  // Method syntax on purpose: Hono's `set` is generic over the app's declared variables, and a method parameter is
  // compared bivariantly, so any Hono app's context fits.
  set(key: 'auth', value: AccessTokenClaims): void;
}

/**
 * Hono middleware (`MiddlewareHandler`): a good token's claims are set as the context variable `auth`
 * (`c.get('auth')`); otherwise it answers with `bearerChallenge`'s status, `WWW-Authenticate` and JSON body.
 *
 * @example
 * const app = new Hono<{ Variables: { auth: AccessTokenClaims } }>();
 * app.use('/api/*', honoBearer({ realm: 'orders', issuer, audience: 'https://api.example.com', keys: remoteJwks(jwksUri) }));
 * app.get('/api/orders', (c) => c.json({ for: c.get('auth').sub }));
 */
// biome-ignore lint/suspicious/noConfusingVoidType: Hono's MiddlewareHandler type returns Promise<Response | void>.
export function honoBearer(options: BearerOptions): (c: HonoLikeContext, next: () => Promise<void>) => Promise<Response | void> {
  return async (c, next) => {
    const { claims, challenge } = await authenticateBearer(c.req.header('authorization'), options);
    if (claims) {
      c.set('auth', claims);
      return next();
    }
    return new Response(challengeBody(challenge), {
      status: challenge.status,
      headers: {
        'www-authenticate': challenge.wwwAuthenticate,
        'cache-control': 'no-store',
        'content-type': 'application/json; charset=utf-8',
      },
    });
  };
}
