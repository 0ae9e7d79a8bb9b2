import type { FastifyInstance, onRequestHookHandler } from 'fastify';

/**
 * CORS for the endpoints single-page apps call with fetch (token, revocation, userinfo). They never read cookies,
 * so any origin may call them: what protects them is client authentication, PKCE and the tokens themselves.
 * The authorization endpoint and the pages get no CORS: browsers reach them by navigation.
 */
export const corsHeader: onRequestHookHandler = (_request, reply, done) => {
  reply.header('access-control-allow-origin', '*');
  done();
};

/** Answers the preflight of a cross-origin call to `url`. */
export function allowCorsPreflight(app: FastifyInstance, url: string, methods: readonly string[]): void {
  app.options(url, { schema: { hide: true } }, async (_request, reply) =>
    reply
      .code(204)
      .headers({
        'access-control-allow-origin': '*',
        'access-control-allow-methods': methods.join(', '),
        'access-control-allow-headers': 'Authorization, Content-Type',
        'access-control-max-age': '600',
      })
      .send(),
  );
}
