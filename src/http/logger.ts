import type { FastifyServerOptions } from 'fastify';
import type { LogDestination } from './log-destination.js';

/**
 * pino options: credentials never reach a log line. Requests are logged without headers and without their query
 * string (where a token or secret may have been wrongly sent); known credential fields are censored anywhere else.
 */
export function loggerOptions(level: string, stream: LogDestination): FastifyServerOptions['logger'] {
  return {
    level,
    stream,
    redact: {
      paths: [
        'req.headers.authorization',
        'req.headers.cookie',
        'res.headers["set-cookie"]',
        '*.client_secret',
        '*.password',
        '*.setup_code',
        '*.token',
        '*.access_token',
        '*.refresh_token',
      ],
      censor: '[redacted]',
    },
    serializers: {
      req: (req: { method: string; url: string; headers: Record<string, unknown>; ip?: string }) => ({
        method: req.method,
        url: req.url.split('?')[0],
        ip: req.ip,
        userAgent: req.headers['user-agent'],
      }),
    },
  };
}
