import type { FastifyInstance, FastifyReply, FastifyRequest, FastifySchema } from 'fastify';
import type { Gatehouse } from '../../gatehouse.js';
import { ENDPOINT_PATHS } from '../../oauth/discovery.js';
import { invalidRequest } from '../../oauth/errors.js';
import { type FormParams, parseForm } from '../../oauth/form.js';
import { allowCorsPreflight, corsHeader } from '../cors.js';
import { acceptFormBodies } from '../form-body.js';
import { oauthErrorSchema } from '../schemas.js';
import { issuerRelativeTarget, tenantOf } from '../tenant-scope.js';

const FORM_BODY_LIMIT = 16 * 1024;
const NO_STORE = { 'cache-control': 'no-store', pragma: 'no-cache' };

const stringParam = (description: string) => ({ type: 'string', maxLength: 4096, description });
// Tokens are bounded only by the body limit: an over-long one is just an unknown token (RFC 7009 §2.2, RFC 7662 §2.2).
const tokenParam = (description: string) => ({ type: 'string', description });
const clientAuthParams = {
  client_id: stringParam('The client, when it does not authenticate with HTTP Basic'),
  client_secret: stringParam('client_secret_post authentication (prefer HTTP Basic)'),
};
const formBody = (properties: Record<string, unknown>, required: string[]) => ({
  type: 'object',
  properties: { ...properties, ...clientAuthParams },
  required,
});
const errorResponses = { 400: oauthErrorSchema, 401: oauthErrorSchema };
// Documentation only: the client authenticates with HTTP Basic, or in the form (client_secret_post), or not at all
// (public clients at the token and revocation endpoints); the endpoints decide, per RFC 6749 §2.3.
const formDocs: Pick<FastifySchema, 'consumes' | 'security'> = {
  consumes: ['application/x-www-form-urlencoded'],
  security: [{ clientBasic: [] }, {}],
};

/** What the form parser and Fastify's query parser give these endpoints; no body at all is undefined. */
interface FormRoute {
  Body: FormParams | undefined;
  Querystring: Record<string, unknown>;
}

function clientInput(request: FastifyRequest<FormRoute>) {
  // RFC 6749 §2.3.1: credentials never belong in the request URI, where logs and proxies keep them.
  if ('client_secret' in request.query) throw invalidRequest('client credentials must not be sent in the query string');
  return { authorization: request.headers.authorization, params: request.body ?? {}, ip: request.ip };
}

/**
 * Aborts when the connection closes before the answer is complete. The reason is an error answered as such (to no
 * one), so that work rolled back for it is not logged as a server failure.
 */
function clientGone(reply: FastifyReply): AbortSignal {
  const gone = new AbortController();
  const abort = () => gone.abort(invalidRequest('the client went away before its answer was ready; nothing was changed', 499));
  // Made when a grant first asks: the connection may have closed already.
  if (reply.raw.socket?.destroyed !== false) abort();
  else reply.raw.once('close', () => reply.raw.writableFinished || abort());
  return gone.signal;
}

/**
 * The path and query of the request target. An absolute-form target (RFC 9112 §3.2.2) names an origin of the
 * client's choosing; only its path and query are taken, the origin being the issuer's.
 */
function pathAndQuery(target: string): string {
  if (target.startsWith('/')) return target;
  try {
    const url = new URL(target);
    return url.pathname + url.search;
  } catch {
    throw invalidRequest('the request target is neither a path nor an absolute URL');
  }
}

const methodNotAllowed = async (_request: FastifyRequest, reply: FastifyReply) => {
  reply.code(405).header('allow', 'POST').headers(NO_STORE);
  throw invalidRequest('this endpoint accepts only POST with an application/x-www-form-urlencoded body', 405);
};

/** Token (RFC 6749 §3.2), revocation (RFC 7009) and introspection (RFC 7662): form-encoded POST endpoints. */
export async function oauthEndpoints(app: FastifyInstance, gatehouse: Gatehouse): Promise<void> {
  acceptFormBodies(app, parseForm, FORM_BODY_LIMIT);
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: FORM_BODY_LIMIT }, (_request, _body, done) => {
    done(invalidRequest('the request body must be application/x-www-form-urlencoded'), undefined);
  });

  // Documentation: the root's grants (a tenant's own are in its discovery).
  const grantTypes = gatehouse.tokenEndpoint.grantTypes.join(', ');
  app.post<FormRoute>(
    ENDPOINT_PATHS.token,
    {
      onRequest: corsHeader,
      schema: {
        summary: 'Token endpoint: trade a grant for tokens',
        description:
          `RFC 6749 §3.2. grant_type is one of ${grantTypes} (discovery's grant_types_supported): client_credentials ` +
          'is for confidential clients, authorization_code needs the PKCE code_verifier, refresh_token rotates the ' +
          'refresh token. Answers carry Cache-Control: no-store.',
        tags: ['oauth'],
        ...formDocs,
        body: formBody(
          {
            grant_type: stringParam(`One of ${grantTypes}`),
            code: stringParam('authorization_code: the code from the authorization response'),
            code_verifier: stringParam('authorization_code: the PKCE verifier'),
            redirect_uri: stringParam('authorization_code: the redirect_uri of the authorization request, if it had one'),
            refresh_token: tokenParam('refresh_token: the refresh token'),
            scope: stringParam('Space-delimited scopes; omitted means every scope the client is allowed'),
            resource: {
              anyOf: [
                { type: 'string', maxLength: 4096 },
                { type: 'array', items: { type: 'string', maxLength: 4096 } },
              ],
              description: 'RFC 8707 resource indicator naming a registered API',
            },
          },
          [],
        ),
        response: {
          200: {
            type: 'object',
            description: 'RFC 6749 §5.1. A grant may add extension members (e.g. RFC 8693 issued_token_type); they are sent as given.',
            properties: {
              access_token: { type: 'string' },
              token_type: { type: 'string' },
              expires_in: { type: 'integer' },
              scope: { type: 'string' },
              refresh_token: { type: 'string' },
              id_token: { type: 'string' },
            },
            required: ['access_token', 'token_type', 'expires_in'],
            additionalProperties: true,
          },
          ...errorResponses,
        },
      },
    },
    async (request, reply) => {
      let signal: AbortSignal | undefined;
      const input = {
        ...clientInput(request),
        method: request.method,
        // From the tenant's issuer, never the Host header as sent: what the client addressed, as discovery named it.
        url: tenantOf(request).config.issuer + issuerRelativeTarget(request, pathAndQuery(request.url)),
        headers: request.headers,
        get signal() {
          signal ??= clientGone(reply);
          return signal;
        },
      };
      const response = await tenantOf(request).tokenEndpoint.handle(input);
      gatehouse.metrics.tokenIssued(String(input.params.grant_type));
      reply.headers(NO_STORE);
      return response;
    },
  );

  app.post<FormRoute>(
    ENDPOINT_PATHS.revocation,
    {
      onRequest: corsHeader,
      schema: {
        summary: 'Token revocation (RFC 7009)',
        description: 'Revokes an access or refresh token of the calling client; an unknown token is not an error (RFC 7009 §2.2).',
        tags: ['oauth'],
        ...formDocs,
        body: formBody({ token: tokenParam('The token to revoke'), token_type_hint: stringParam('access_token or refresh_token') }, []),
        response: { 200: { type: 'null', description: 'Revoked, or nothing to revoke' }, ...errorResponses },
      },
    },
    async (request, reply) => {
      await tenantOf(request).revocation.handle(clientInput(request));
      reply.headers(NO_STORE).code(200).send();
    },
  );

  app.post<FormRoute>(
    ENDPOINT_PATHS.introspection,
    {
      schema: {
        summary: 'Token introspection (RFC 7662)',
        description:
          'Is the token active, and what does it carry. Needs a confidential client, authenticated with HTTP Basic or ' +
          'client_secret_post. A client sees its own access and refresh tokens; a client marked as a resource server ' +
          '(introspection: true) also sees the access tokens of every other client. Anything else is answered ' +
          '{"active":false} (RFC 7662 §2.2, §4). token_type_hint is only a hint: every kind of token is searched.',
        tags: ['oauth'],
        consumes: formDocs.consumes,
        security: [{ clientBasic: [] }],
        body: formBody({ token: tokenParam('The token to introspect'), token_type_hint: stringParam('access_token or refresh_token') }, []),
        response: {
          200: {
            type: 'object',
            description: 'RFC 7662 §2.2. An inactive token, or one the caller may not see, is exactly {"active":false}.',
            properties: {
              active: { type: 'boolean', description: 'Whether the token is valid now; the other members appear only when true' },
              scope: { type: 'string', description: 'Space-separated scopes of the token' },
              client_id: { type: 'string', description: 'The client the token was issued to' },
              sub: { type: 'string', description: "The user's id, or the client_id for a client_credentials token" },
              aud: {
                anyOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }],
                description: 'Access tokens: the API the token is meant for (RFC 8707)',
              },
              iss: { type: 'string', description: 'This server' },
              exp: { type: 'integer', description: 'When the token expires (epoch seconds)' },
              iat: { type: 'integer', description: "When it was issued; a refresh token's only until its family first rotates" },
              jti: { type: 'string', description: "Access tokens: the token's identifier" },
              token_type: {
                type: 'string',
                description: 'Access tokens: Bearer. Absent for a refresh token, which is not presented to APIs',
              },
              auth_time: { type: 'integer', description: 'User tokens: when the user authenticated' },
            },
            required: ['active'],
          },
          ...errorResponses,
        },
      },
    },
    async (request, reply) => {
      const response = await tenantOf(request).introspection.handle(clientInput(request));
      reply.headers(NO_STORE);
      return response;
    },
  );

  allowCorsPreflight(app, ENDPOINT_PATHS.token, ['POST']);
  allowCorsPreflight(app, ENDPOINT_PATHS.revocation, ['POST']);
  for (const url of [ENDPOINT_PATHS.token, ENDPOINT_PATHS.revocation, ENDPOINT_PATHS.introspection]) {
    app.route({ method: ['GET', 'PUT', 'PATCH', 'DELETE'], url, schema: { hide: true }, handler: methodNotAllowed });
  }
}
