import { authenticateBearer, type BearerMiddlewareOptions, challengeBody } from './authenticate.js';
import { type CorsRequestHeaders, nodeCors } from './cors.js';
import type { AccessTokenClaims } from './verify-access-token.js';

/** The part of an Express (or Node `http`) request the middleware reads and writes. */
export interface ExpressLikeRequest {
  method?: string | undefined;
  headers: { authorization?: string | undefined } & CorsRequestHeaders;
  auth?: AccessTokenClaims;
}

/** The part of an Express response the middleware uses: Node's `ServerResponse` plus Express's `res.locals`. */
export interface ExpressLikeResponse {
  statusCode: number;
  setHeader(name: string, value: string): unknown;
  end(body?: string): unknown;
  locals?: Record<string, unknown>;
}

/** An Express `RequestHandler`, in the few types the kit needs. */
export type ExpressLikeMiddleware = (req: ExpressLikeRequest, res: ExpressLikeResponse, next: (error?: unknown) => void) => void;

/**
 * Express (4 and 5) middleware: a good token's claims go to `req.auth` and `res.locals.auth`; otherwise the answer is
 * `bearerChallenge`'s status, `WWW-Authenticate` and JSON body. Other failures (a JWKS outage) go to `next(error)`.
 * With `cors`, preflights are answered here (204) and the CORS headers are set before the token is looked at, so the
 * handler's answer, a challenge and an error handler's answer all carry them.
 *
 * @example
 * app.use('/api', expressBearer({ realm: 'orders', issuer, audience: 'https://api.example.com', keys: remoteJwks(jwksUri),
 *   cors: { origins: ['https://auth.example.com'] } }));
 * app.get('/api/orders', (req, res) => res.json({ for: req.auth.sub }));
 */
export function expressBearer(options: BearerMiddlewareOptions): ExpressLikeMiddleware {
  const cors = options.cors && nodeCors(options.cors);
  return (req, res, next) => {
    if (cors?.(req, res)) return;
    authenticateBearer(req.headers.authorization, options).then(({ claims, challenge }) => {
      if (claims) {
        req.auth = claims;
        if (res.locals) res.locals.auth = claims;
        return next();
      }
      res.statusCode = challenge.status;
      res.setHeader('www-authenticate', challenge.wwwAuthenticate);
      res.setHeader('cache-control', 'no-store');
      res.setHeader('content-type', 'application/json; charset=utf-8');
      res.end(challengeBody(challenge));
    }, next);
  };
}
