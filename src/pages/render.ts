import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { Eta } from 'eta';
import type { FastifyReply } from 'fastify';
import { packageRoot } from './package-root.js';

const eta = new Eta({ views: join(packageRoot(), 'views'), autoEscape: true, cache: true });

/** Where a page's forms may send the browser, including redirects after a POST (browsers apply form-action there). */
function formActionSources(targets: readonly string[]): string {
  const sources = new Set(["'self'"]);
  for (const target of targets) {
    const url = new URL(target);
    sources.add(url.protocol === 'http:' || url.protocol === 'https:' ? url.origin : url.protocol);
  }
  return [...sources].join(' ');
}

export interface PageOptions {
  status?: number;
  /** Redirect URIs a form on the page may end up at. */
  formTargets?: readonly string[];
}

/** Renders an HTML page with a strict CSP: no script, styles only from here, no framing. */
export function sendPage(reply: FastifyReply, view: string, data: Record<string, unknown>, options: PageOptions = {}): FastifyReply {
  return reply
    .code(options.status ?? 200)
    .type('text/html; charset=utf-8')
    .headers({
      'cache-control': 'no-store',
      'content-security-policy': `default-src 'none'; style-src 'self'; img-src 'self' data:; form-action ${formActionSources(options.formTargets ?? [])}; frame-ancestors 'none'; base-uri 'none'`,
    })
    .send(eta.render(view, data));
}

/** OAuth 2.0 Form Post Response Mode: an auto-submitting form, with a button for browsers without JavaScript. */
export function sendFormPost(reply: FastifyReply, action: string, fields: Record<string, string>): FastifyReply {
  const nonce = randomBytes(16).toString('base64');
  return reply
    .code(200)
    .type('text/html; charset=utf-8')
    .headers({
      'cache-control': 'no-store',
      'content-security-policy': `default-src 'none'; style-src 'self'; script-src 'nonce-${nonce}'; form-action ${formActionSources([action])}; frame-ancestors 'none'; base-uri 'none'`,
    })
    .send(eta.render('form-post', { action, fields, nonce }));
}

export function sendErrorPage(reply: FastifyReply, status: number, heading: string, message: string, code?: string): FastifyReply {
  return sendPage(reply, 'error', { title: heading, heading, message, code }, { status });
}
