import type { FastifyReply, FastifyRequest } from 'fastify';
import type { TenantGatehouse } from '../gatehouse.js';
import { tenantBasePath, tenantOf } from '../http/tenant-scope.js';
import type { AuthorizationInteraction, FlowOutcome } from '../oauth/authorization-flow.js';
import { invalidRequest } from '../oauth/errors.js';
import type { Session } from '../ports/sessions.js';
import { BrowserCookies, CsrfTokens } from './browser.js';
import { InteractionCookies } from './interaction-cookies.js';
import { sendErrorPage, sendFormPost } from './render.js';

export type PageBody = Record<string, string[]>;

/**
 * The pages of every tenant: each request gets the PageContext of the tenant it is for, made once per tenant's
 * services (rebuilt with them when the tenant's record changes, and dropped with them by the directory's LRU).
 */
export class Pages {
  private readonly byTenant = new WeakMap<TenantGatehouse, PageContext>();

  of(request: FastifyRequest): PageContext {
    const services = tenantOf(request);
    let pages = this.byTenant.get(services);
    if (!pages) {
      pages = new PageContext(services, tenantBasePath(request));
      this.byTenant.set(services, pages);
    }
    return pages;
  }
}

/** What every page route of one tenant needs: its services, its cookies and CSRF tokens, and the common answers. */
export class PageContext {
  readonly cookies: BrowserCookies;
  readonly csrf: CsrfTokens;
  readonly interactions: InteractionCookies;
  /** Each request's session, looked up once: the CSRF check and the page itself both need it. */
  private readonly sessions = new WeakMap<FastifyRequest, Promise<Session | undefined>>();

  constructor(
    readonly gatehouse: TenantGatehouse,
    /** Where the tenant's pages are on this host ('' or `/t/{tenant}`): every link and redirect starts with it. */
    readonly base: string,
  ) {
    this.cookies = new BrowserCookies(gatehouse.config.issuer, gatehouse.config.sessionTtl, gatehouse.tenant.id);
    this.csrf = new CsrfTokens(gatehouse.pageKeys.key('csrf'));
    this.interactions = new InteractionCookies(this.cookies, gatehouse.authorization);
  }

  /** A path of this tenant's pages, from one relative to its base (`/login` → `/t/acme/login`). */
  path(relative: string): string {
    return this.base + relative;
  }

  /** The browser's live session, as it stands after any sign-in or sign-out made in this request. */
  session(request: FastifyRequest): Promise<Session | undefined> {
    let session = this.sessions.get(request);
    if (!session) {
      session = this.gatehouse.sessions.resolve(this.cookies.sessionCookie(request));
      this.sessions.set(request, session);
    }
    return session;
  }

  /** Starts a new session at sign-in, ending the one the browser had (session fixation, rotation). */
  async signIn(request: FastifyRequest, reply: FastifyReply, userId: string): Promise<Session> {
    const previous = await this.session(request);
    if (previous) await this.gatehouse.sessions.end(previous.id);
    const { session, cookieValue } = await this.gatehouse.sessions.start(userId, {
      ip: request.ip,
      userAgent: request.headers['user-agent'] ?? '',
    });
    this.cookies.setSession(reply, cookieValue);
    this.sessions.set(request, Promise.resolve(session));
    return session;
  }

  /** Ends the browser's session, if it has one, and drops its cookie; returns the session ended. */
  async signOut(request: FastifyRequest, reply: FastifyReply): Promise<Session | undefined> {
    const session = await this.session(request);
    if (session) await this.gatehouse.sessions.end(session.id);
    this.cookies.clearSession(reply);
    this.sessions.set(request, Promise.resolve(undefined));
    return session;
  }

  /** A CSRF token for a form of `purpose` that this browser will post within its current session (or none). */
  async csrfToken(request: FastifyRequest, reply: FastifyReply, purpose: string): Promise<string> {
    const browserId = this.cookies.browserId(request, reply);
    return this.csrf.issue({ browserId, sessionId: (await this.session(request))?.id }, purpose);
  }

  /**
   * False (and a 403 page sent) when the form's CSRF token was not issued for it to this browser in its current
   * session within the hour.
   */
  async checkCsrf(request: FastifyRequest, reply: FastifyReply, purpose: string, body: PageBody): Promise<boolean> {
    const binding = { browserId: this.cookies.existingBrowserId(request), sessionId: (await this.session(request))?.id };
    if (this.csrf.verify(binding, purpose, field(body, 'csrf'))) return true;
    sendErrorPage(reply, 403, 'This form has expired', 'Go back, reload the page and try again.', 'invalid_request');
    return false;
  }

  /**
   * The interaction a page's query or form names, when this browser holds it sealed and it is still open; `false`
   * when one was named but cannot be used (unknown, expired, from another browser, or answered), whose cookie goes.
   */
  async interaction(
    request: FastifyRequest,
    reply: FastifyReply,
    id: string | undefined,
  ): Promise<AuthorizationInteraction | undefined | false> {
    if (!id) return undefined;
    const interaction = await this.gatehouse.authorization.interaction(
      id,
      this.interactions.value(request, id),
      this.cookies.existingBrowserId(request),
    );
    if (interaction) return interaction;
    this.interactions.clear(request, reply, id);
    return false;
  }

  /**
   * Carries out a decision of the authorization flow for this browser: a pending interaction goes into its cookie;
   * once the interaction `answered` is finished, its cookie goes. After a form POST the redirect is 303, never 307.
   */
  async sendOutcome(
    request: FastifyRequest,
    reply: FastifyReply,
    browserId: string,
    outcome: FlowOutcome,
    status: 302 | 303,
    answered?: AuthorizationInteraction,
  ): Promise<FastifyReply> {
    if (outcome.kind === 'login' || outcome.kind === 'consent')
      await this.interactions.save(request, reply, browserId, outcome.interaction);
    else if (answered) this.interactions.clear(request, reply, answered.id);
    switch (outcome.kind) {
      case 'respond': {
        if (outcome.responseMode === 'form_post') return sendFormPost(reply, outcome.redirectUri, outcome.params);
        // The registered URI's own query is kept byte for byte (RFC 6749 §3.1.2); ours is appended to it.
        const separator = outcome.redirectUri.includes('?') ? '&' : '?';
        return reply.redirect(outcome.redirectUri + separator + new URLSearchParams(outcome.params).toString(), status);
      }
      case 'login':
        return reply.redirect(this.path(`/login?interaction=${encodeURIComponent(outcome.interaction.id)}`), status);
      case 'consent':
        return reply.redirect(this.path(`/consent?interaction=${encodeURIComponent(outcome.interaction.id)}`), status);
      case 'error_page':
        return sendErrorPage(reply, 400, 'This sign-in request cannot be completed', outcome.description, outcome.error);
    }
  }

  expiredInteraction(reply: FastifyReply): FastifyReply {
    return sendErrorPage(reply, 400, 'This sign-in link has expired', 'Go back to the application and start again.', 'invalid_request');
  }
}

/** One value of a form field; a repeated field is a malformed request. */
export function field(body: PageBody | undefined, name: string): string | undefined {
  const values = body?.[name];
  if (values && values.length > 1) throw invalidRequest(`the ${name} field is repeated`);
  return values?.[0];
}

/** The query string as sent, everything after the first "?" (a "?" may appear inside values, RFC 3986 §3.4). */
export function rawQuery(request: FastifyRequest): string {
  const url = request.raw.url ?? '';
  const start = url.indexOf('?');
  return start === -1 ? '' : url.slice(start + 1);
}

/**
 * Only a path on this server, so that a link cannot send the browser elsewhere after sign-in. It is relative to the
 * tenant's base: `return_to=/account` in tenant acme's pages is acme's account page.
 */
export function localPath(value: string | undefined, fallback: string): string {
  return value && /^\/(?![/\\])[\w\-./?=&%]*$/.test(value) ? value : fallback;
}
