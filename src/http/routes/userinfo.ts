import { bearerTokenFrom } from '@gatehouse/resource';
import type { FastifyInstance, FastifyReply, FastifyRequest, FastifySchema } from 'fastify';
import { ENDPOINT_PATHS } from '../../oauth/discovery.js';
import { bearerAuth } from '../bearer-auth.js';
import { allowCorsPreflight, corsHeader } from '../cors.js';
import { tenantOf } from '../tenant-scope.js';

/**
 * UserInfo (OpenID Connect Core §5.3), GET and POST. The token comes in the Authorization header only: a token in
 * the query string (RFC 9700 §4.3.2) or the body is not looked at, so such a request counts as one without a token.
 */
export async function userInfoRoutes(app: FastifyInstance): Promise<void> {
  // The core checks the token together with the claims it answers (its scopes, its user): the plugin only turns
  // the token errors into challenges.
  await app.register(bearerAuth, { realm: 'gatehouse' });
  // Any body is ignored: the token is in the header.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: 16 * 1024 }, (_request, _body, done) => done(null, undefined));

  const handler = async (request: FastifyRequest, reply: FastifyReply) => {
    // Without a header the empty token fails, and the error handler answers with the bare challenge.
    const claims = await tenantOf(request).userInfo.claims(bearerTokenFrom(request.headers.authorization) ?? '');
    reply.header('cache-control', 'no-store');
    return claims;
  };
  const schema: FastifySchema = {
    summary: 'UserInfo: claims about the signed-in user',
    description: "OpenID Connect Core §5.3. Needs a user's access token with the openid scope; profile and email add their claims.",
    tags: ['oidc'],
    security: [{ bearer: ['openid'] }, { oauth2: ['openid'] }],
    response: { 200: { type: 'object', additionalProperties: true, properties: { sub: { type: 'string' } }, required: ['sub'] } },
  };
  app.get(ENDPOINT_PATHS.userinfo, { onRequest: corsHeader, schema }, handler);
  app.post(ENDPOINT_PATHS.userinfo, { onRequest: corsHeader, schema }, handler);
  allowCorsPreflight(app, ENDPOINT_PATHS.userinfo, ['GET', 'POST']);
}
