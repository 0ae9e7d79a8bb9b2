import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import type { Metrics } from '../metrics.js';
import { OAuthError, safeDescription } from '../oauth/errors.js';
import { unavailableReason } from '../ports/storage-errors.js';

/** How long a client should wait before retrying while the store is unavailable (RFC 9110 §10.2.3). */
export const RETRY_AFTER_SECONDS = 5;

interface ErrorBody {
  error: string;
  error_description: string;
}

/**
 * The one place errors become responses. Protocol errors keep their RFC code and status; what Fastify rejects
 * before a handler runs (schema, body size, media type) becomes `invalid_request` with its 4xx status; a store that
 * is unavailable is a 503 with Retry-After; anything else is logged and answered as a bare `server_error`, never with
 * a stack trace.
 */
export const errorHandler = (metrics: Metrics) => (error: unknown, request: FastifyRequest, reply: FastifyReply): FastifyReply => {
  metrics.oauthError(request.routeOptions.url ?? 'unknown', error);
  return sendError(error, request, reply);
};

function sendError(error: unknown, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  if (error instanceof OAuthError) {
    return reply.code(error.status).headers({ ...error.headers, 'cache-control': 'no-store' }).send(error.toJSON());
  }
  const fastifyError = error as Partial<FastifyError>;
  if (fastifyError.validation) {
    return reply.code(400).header('cache-control', 'no-store').send(body('invalid_request', `the request is malformed: ${fastifyError.message}`));
  }
  const status = fastifyError.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return reply.code(status).header('cache-control', 'no-store').send(body('invalid_request', clientErrorDescription(fastifyError)));
  }
  const unavailable = unavailableReason(error);
  if (unavailable !== undefined) {
    request.log.warn({ reason: unavailable }, 'the database is unavailable');
    // RFC 6749 registers temporarily_unavailable for the authorization endpoint only; elsewhere the 503 and its
    // Retry-After carry the meaning, and the body reuses the registered code rather than inventing one.
    return reply
      .code(503)
      .headers({ 'retry-after': String(RETRY_AFTER_SECONDS), 'cache-control': 'no-store' })
      .send(body('temporarily_unavailable', 'the service is temporarily unavailable; retry later'));
  }
  request.log.error({ err: error }, 'request failed');
  return reply.code(500).header('cache-control', 'no-store').send(body('server_error', 'the server could not complete the request'));
}

function clientErrorDescription(error: Partial<FastifyError>): string {
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return 'the request body is too large';
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return 'the request body has an unsupported media type';
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return 'the request body is empty';
    default:
      return 'the request is malformed';
  }
}

const body = (error: string, description: string): ErrorBody => ({ error, error_description: safeDescription(description) });

export function sendNotFound(request: FastifyRequest, reply: FastifyReply): FastifyReply {
  return reply.code(404).send(body('not_found', `no resource at ${request.method} ${request.url.split('?')[0]}`));
}
