import type { FastifyInstance } from 'fastify';

/**
 * Makes `parse` the only body parser of this plugin scope, for application/x-www-form-urlencoded; its errors
 * (OAuthError invalid_request) reach the scope's error handler.
 */
export function acceptFormBodies(app: FastifyInstance, parse: (body: Buffer) => unknown, bodyLimit: number): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'buffer', bodyLimit }, (_request, body, done) => {
    try {
      done(null, parse(body as Buffer));
    } catch (error) {
      done(error as Error, undefined);
    }
  });
}
