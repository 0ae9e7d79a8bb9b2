import type { FastifyInstance } from 'fastify';

/**
 * Headers every response carries. JSON endpoints never need to be framed, sniffed or leak a Referer; the pages
 * that render HTML set their own, stricter Content-Security-Policy on top of these.
 */
export function securityHeaders(issuer: string): Record<string, string> {
  return {
    'x-content-type-options': 'nosniff',
    'x-frame-options': 'DENY',
    'referrer-policy': 'no-referrer',
    'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
    'cross-origin-resource-policy': 'same-origin',
    ...(issuer.startsWith('https://') ? { 'strict-transport-security': 'max-age=31536000; includeSubDomains' } : {}),
  };
}

export function registerSecurityHeaders(app: FastifyInstance, issuer: string): void {
  const headers = securityHeaders(issuer);
  app.addHook('onRequest', (_request, reply, done) => {
    reply.headers(headers);
    done();
  });
}
