import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { Eta } from 'eta';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { tenantBasePath } from '../http/tenant-scope.js';
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

/** What every page's frame shows: where the tenant's pages are, and the tenant's name, logo and colour. */
interface PageFrame {
  base: string;
  brand: { name: string; logoUrl?: string; stylesheet?: string };
}

/**
 * The frame of a page for the request's tenant. A page answered before any tenant was found (an unknown tenant's
 * 404) gets the plain frame at the root, whose stylesheet exists.
 */
function frameOf(request: FastifyRequest): PageFrame {
  const tenant = request.tenant;
  if (!tenant) return { base: '', brand: { name: 'Gatehouse' } };
  const base = tenantBasePath(request);
  const { displayName, logoUrl, primaryColor } = tenant.tenant.settings;
  return {
    base,
    brand: {
      name: displayName ?? 'Gatehouse',
      ...(logoUrl === undefined ? {} : { logoUrl }),
      // The colour is in the URL so that a changed colour is fetched anew, not taken from the browser's cache.
      ...(primaryColor === undefined ? {} : { stylesheet: `${base}/assets/brand.css?c=${primaryColor.slice(1).toLowerCase()}` }),
    },
  };
}

/**
 * Renders an HTML page with a strict CSP: no script, styles only from here, images only from here and the tenant's
 * logo, no framing.
 */
export function sendPage(reply: FastifyReply, view: string, data: Record<string, unknown>, options: PageOptions = {}): FastifyReply {
  const frame = frameOf(reply.request);
  const images = ["'self'", 'data:', ...(frame.brand.logoUrl ? [new URL(frame.brand.logoUrl).origin] : [])].join(' ');
  return reply
    .code(options.status ?? 200)
    .type('text/html; charset=utf-8')
    .headers({
      'cache-control': 'no-store',
      'content-security-policy': `default-src 'none'; style-src 'self'; img-src ${images}; form-action ${formActionSources(options.formTargets ?? [])}; frame-ancestors 'none'; base-uri 'none'`,
    })
    .send(eta.render(view, { ...data, ...frame }));
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
    .send(eta.render('form-post', { action, fields, nonce, base: frameOf(reply.request).base }));
}

export function sendErrorPage(reply: FastifyReply, status: number, heading: string, message: string, code?: string): FastifyReply {
  return sendPage(reply, 'error', { title: heading, heading, message, code }, { status });
}
