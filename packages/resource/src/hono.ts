import { authenticateBearer, type BearerMiddlewareOptions, challengeBody } from './authenticate.js';
import { corsPolicy } from './cors.js';
import type { AccessTokenClaims } from './verify-access-token.js';

/** The part of a Hono `Context` the middleware uses. */
export interface HonoLikeContext {
  req: { method: string; header(name: string): string | undefined };
  // Method syntax on purpose: Hono's `set` is generic over the app's declared variables, and a method parameter is
  // compared bivariantly, so any Hono app's context fits.
  set(key: 'auth', value: AccessTokenClaims): void;
  /** Hono's `c.header`: a header for the response the context builds (`c.json`, `c.text`, the error handler's). */
  header(name: string, value: string): void;
}

/** A Hono `MiddlewareHandler`, in the few types the kit needs. */
// biome-ignore lint/suspicious/noConfusingVoidType: Hono's MiddlewareHandler type returns Promise<Response | void>.
export type HonoLikeMiddleware = (c: HonoLikeContext, next: () => Promise<void>) => Promise<Response | void>;

/**
 * Hono middleware (`MiddlewareHandler`): a good token's claims are set as the context variable `auth`
 * (`c.get('auth')`); otherwise it answers with `bearerChallenge`'s status, `WWW-Authenticate` and JSON body.
 * With `cors`, a preflight is answered here (204), and the CORS headers are set on the context before the token is
 * looked at, so every answer built with it (`c.json`, `c.text`, `c.body`, the `onError` handler's) carries them.
 *
 * @example
 * const app = new Hono<{ Variables: { auth: AccessTokenClaims } }>();
 * app.use('/api/*', honoBearer({ realm: 'orders', issuer, audience: 'https://api.example.com', keys: remoteJwks(jwksUri),
 *   cors: { origins: ['https://auth.example.com'] } }));
 * app.get('/api/orders', (c) => c.json({ for: c.get('auth').sub }));
 */
export function honoBearer(options: BearerMiddlewareOptions): HonoLikeMiddleware {
  const cors = options.cors && corsPolicy(options.cors);
  return async (c, next) => {
    let corsHeaders: Readonly<Record<string, string>> = {};
    if (cors) {
      const answer = cors(c.req.method, {
        origin: c.req.header('origin'),
        'access-control-request-method': c.req.header('access-control-request-method'),
      });
      if (answer.preflight) return new Response(null, { status: 204, headers: answer.headers });
      corsHeaders = answer.headers;
      for (const [name, value] of Object.entries(corsHeaders)) c.header(name, value);
    }
    const { claims, challenge } = await authenticateBearer(c.req.header('authorization'), options);
    if (claims) {
      c.set('auth', claims);
      return next();
    }
    return new Response(challengeBody(challenge), {
      status: challenge.status,
      headers: {
        ...corsHeaders,
        'www-authenticate': challenge.wwwAuthenticate,
        'cache-control': 'no-store',
        'content-type': 'application/json; charset=utf-8',
      },
    });
  };
}
