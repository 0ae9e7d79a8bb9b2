import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Metrics } from '../metrics.js';
import { OAuthError, safeDescription } from '../oauth/errors.js';
import { sendErrorPage } from '../pages/render.js';
import { unavailableReason } from '../ports/storage-errors.js';
import { sendBearerChallenge } from './bearer-errors.js';
import { describeValidationFailure, type PatternWords } from './validation-words.js';

/** How long a client should wait before retrying while the store is unavailable (RFC 9110 §10.2.3). */
export const RETRY_AFTER_SECONDS = 5;

export interface ErrorBody {
  error: string;
  error_description: string;
  /** The request field the error is about, as a JSON pointer (RFC 6901) into the body: a form shows it there. */
  field?: string;
}

/** How the routes of one plugin answer errors; set with `answerErrors`, read by the one error handler. */
export interface ErrorAnswering {
  /** As an HTML page for a person (the browser-facing pages), never as JSON or a stack trace. */
  page?: boolean;
  /** Token errors, and every error of a request that carried no token, as RFC 6750 §3 challenges of this realm. */
  bearerRealm?: string;
  /** Errors of the routes' own domain as their status and JSON body; undefined for any other error. */
  domainError?: (error: unknown) => { status: number; body: ErrorBody } | undefined;
  /**
   * Schema failures as `{error: invalid_request, error_description: "<field>: <rule in words>", field}` (the admin
   * API's wording), each pattern of the routes' schemas said in these words.
   */
  describedValidation?: { patterns: PatternWords };
}

declare module 'fastify' {
  interface FastifyContextConfig {
    errors?: ErrorAnswering;
  }
}

/**
 * Makes every route registered after this in `app`'s context (and its children) answer errors as `answering` says,
 * on top of what a plugin registered before has set.
 */
export function answerErrors(app: FastifyInstance, answering: ErrorAnswering): void {
  app.addHook('onRoute', (route) => {
    route.config = { ...route.config, errors: { ...route.config?.errors, ...answering } };
  });
}

/**
 * The one place errors become responses, for every route: what a route answers is decided here from its
 * `ErrorAnswering`, and every answer is counted by route and status. Protocol errors keep their RFC code and
 * status; what Fastify rejects before a handler runs (schema, body size, media type) becomes `invalid_request` with
 * its 4xx status; a store that is unavailable is a 503 with Retry-After; anything else is logged and answered as a
 * bare `server_error`, never with a stack trace.
 */
export const errorHandler =
  (metrics: Metrics) =>
  (error: unknown, request: FastifyRequest, reply: FastifyReply): FastifyReply => {
    const answering = request.routeOptions.config.errors ?? {};
    const route = request.routeOptions.url ?? 'unknown';
    const answered = answering.page
      ? sendPageError(error, request, reply)
      : sendJsonError(error, answering, route, metrics, request, reply);
    metrics.httpError(route, answered.statusCode);
    return answered;
  };

function sendJsonError(
  error: unknown,
  answering: ErrorAnswering,
  route: string,
  metrics: Metrics,
  request: FastifyRequest,
  reply: FastifyReply,
): FastifyReply {
  const domain = answering.domainError?.(error);
  if (domain) return reply.code(domain.status).header('cache-control', 'no-store').send(domain.body);
  if (answering.describedValidation && isValidationError(error)) {
    const { field, description } = describeValidationFailure(error, answering.describedValidation.patterns);
    return reply.code(400).header('cache-control', 'no-store').send({ error: 'invalid_request', error_description: description, field });
  }
  const challenged = answering.bearerRealm === undefined ? undefined : sendBearerChallenge(answering.bearerRealm, error, request, reply);
  if (challenged) return challenged;
  metrics.oauthError(route, error);
  return sendError(error, request, reply);
}

const isValidationError = (error: unknown): error is FastifyError => (error as Partial<FastifyError>).validation !== undefined;

/** The 4xx status of what Fastify refused before a handler ran (body size, media type, bad JSON), if it was that. */
function clientErrorStatus(error: unknown): number | undefined {
  const status = (error as Partial<FastifyError>).statusCode;
  return typeof status === 'number' && status >= 400 && status < 500 ? status : undefined;
}

/** A store that cannot answer: logged with its reason (never a query or a value), and true; false for anything else. */
function reportedUnavailable(error: unknown, request: FastifyRequest, reply: FastifyReply): boolean {
  const unavailable = unavailableReason(error);
  if (unavailable === undefined) return false;
  request.log.warn({ reason: unavailable }, 'the database is unavailable');
  reply.header('retry-after', String(RETRY_AFTER_SECONDS));
  return true;
}

/** For a person at a browser: the page says what went wrong in words, with the RFC code for whoever debugs it. */
function sendPageError(error: unknown, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const refused = 'This request cannot be completed';
  if (error instanceof OAuthError) return sendErrorPage(reply, error.status, refused, error.description, error.code);
  const status = clientErrorStatus(error);
  if (status !== undefined) return sendErrorPage(reply, status, refused, 'The request was malformed.', 'invalid_request');
  if (reportedUnavailable(error, request, reply)) {
    const retry = 'The service cannot complete this right now. Please try again in a moment.';
    return sendErrorPage(reply, 503, 'Temporarily unavailable', retry, 'temporarily_unavailable');
  }
  request.log.error({ err: error }, 'page failed');
  return sendErrorPage(reply, 500, 'Something went wrong', 'Please try again in a moment.', 'server_error');
}

function sendError(error: unknown, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  if (error instanceof OAuthError) {
    return reply
      .code(error.status)
      .headers({ ...error.headers, 'cache-control': 'no-store' })
      .send(error.toJSON());
  }
  if (isValidationError(error)) {
    return reply
      .code(400)
      .header('cache-control', 'no-store')
      .send(body('invalid_request', `the request is malformed: ${error.message}`));
  }
  const status = clientErrorStatus(error);
  if (status !== undefined) {
    return reply
      .code(status)
      .header('cache-control', 'no-store')
      .send(body('invalid_request', clientErrorDescription(error as Partial<FastifyError>)));
  }
  if (reportedUnavailable(error, request, reply)) {
    // RFC 6749 registers temporarily_unavailable for the authorization endpoint only; elsewhere the 503 and its
    // Retry-After carry the meaning, and the body reuses the registered code rather than inventing one.
    return reply
      .code(503)
      .header('cache-control', 'no-store')
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
