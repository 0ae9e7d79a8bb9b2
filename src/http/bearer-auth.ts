import { type AccessTokenClaims, bearerTokenFrom, verifyAccessToken } from '@gatehouse/resource';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fastifyPlugin from 'fastify-plugin';
import { decodeJwt } from 'jose';
import type { TenantGatehouse } from '../gatehouse.js';
import { answerErrors } from './errors.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Who the access token of a route under `bearerAuth` speaks for; null on every other route. */
    principal: AccessTokenClaims | null;
  }
  interface FastifyContextConfig {
    /** Scopes the token must carry on this route beyond those of its `bearerAuth` (RFC 6750 §3.1 insufficient_scope). */
    requiredScopes?: readonly string[];
  }
}

/** The token of a request and the request: the principal, or a token error thrown (InvalidTokenError, ...). */
export type Authenticate = (token: string, request: FastifyRequest) => Promise<AccessTokenClaims>;

export interface BearerAuthOptions {
  /** The realm of the RFC 6750 §3 challenges the routes answer with. */
  realm: string;
  /**
   * Sets `request.principal` before the route runs; the token is '' when the request carries none, which must fail.
   * Without it the routes check the token themselves, and their token errors are still answered as challenges.
   */
  authenticate?: Authenticate;
}

/**
 * Bearer-token protection (RFC 6750) for every route registered after it in the registering plugin: an onRequest
 * hook authenticates the token in the Authorization header (never the query or the body, RFC 9700 §4.3.2), and
 * every token error becomes the realm's challenge in the one error handler. Wrapped in fastify-plugin so that the
 * hook reaches the sibling routes of the plugin that registers it, and no further.
 */
export const bearerAuth = fastifyPlugin(
  async (app: FastifyInstance, options: BearerAuthOptions) => {
    answerErrors(app, { bearerRealm: options.realm });
    const { authenticate } = options;
    if (!authenticate) return;
    app.addHook('onRequest', async (request) => {
      request.principal = await authenticate(bearerTokenFrom(request.headers.authorization) ?? '', request);
    });
  },
  { name: 'gatehouse-bearer-auth', decorators: { request: ['principal'] } },
);

/**
 * An access token of this tenant (the deployment's default tenant for a Gatehouse) for its default audience, not
 * revoked, carrying `scopes` and the route's `requiredScopes`: what a resource server checks with the same verifier
 * (`@gatehouse/resource`).
 */
export function accessTokenAuthentication(
  tenant: Pick<TenantGatehouse, 'config' | 'accessTokens'>,
  scopes: readonly string[] = [],
): Authenticate {
  const { config, accessTokens } = tenant;
  return (token, request) =>
    verifyAccessToken(token, {
      issuer: config.issuer,
      audience: config.defaultAudience,
      keys: accessTokens.keyResolver,
      requiredScopes: [...scopes, ...(request.routeOptions.config.requiredScopes ?? [])],
      isRevoked: (claims) => accessTokens.isRevoked(claims),
    });
}

/**
 * The `iss` a JWT claims, unverified: only which issuer's keys and rules to check it by, never a verdict. Undefined for
 * an opaque token or no JWT at all, which the checks that follow then refuse.
 */
export function unverifiedIssuer(token: string): string | undefined {
  try {
    return decodeJwt(token).iss;
  } catch {
    return undefined;
  }
}

/**
 * The principal of a route under `bearerAuth`. Asked on a route without it, this is a wiring mistake: it fails
 * (logged, a bare 500) rather than serving the route without a token.
 */
export function principalOf(request: FastifyRequest): AccessTokenClaims {
  if (request.principal === null) throw new Error(`${request.routeOptions.url} is not under bearerAuth`);
  return request.principal;
}
