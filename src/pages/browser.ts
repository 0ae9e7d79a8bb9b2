import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { nowSeconds } from '../ports/clock.js';
import { DEFAULT_TENANT } from '../ports/tenants.js';

/**
 * The cookies of the pages. On https they carry the `__Host-` prefix (Secure, no Domain, Path=/), so a sibling
 * subdomain cannot plant or read them. The browser cookie is a random id that binds interactions and CSRF tokens
 * to the browser that started them; the session cookie holds the session secret; the device cookie tells sign-in
 * that this browser signed in to an account before (src/accounts/login.ts). Every tenant's cookies have names of their
 * own (`gh_acme.session`), since under path routing one host serves them all on Path=/: a session, interaction or
 * browser id of one tenant is never even read by another's pages. The default tenant keeps the names it always had.
 */
export class BrowserCookies {
  /** What every cookie name of the pages starts with. */
  readonly prefix: string;
  readonly browserName: string;
  readonly sessionName: string;
  readonly deviceName: string;
  private readonly secure: boolean;

  constructor(
    issuer: string,
    private readonly sessionTtl: number,
    tenantId: string = DEFAULT_TENANT,
  ) {
    this.secure = issuer.startsWith('https://');
    this.prefix = `${this.secure ? '__Host-' : ''}gh_${tenantId === DEFAULT_TENANT ? '' : `${tenantId}.`}`;
    this.browserName = `${this.prefix}browser`;
    this.sessionName = `${this.prefix}session`;
    this.deviceName = `${this.prefix}device`;
  }

  /** The browser id, set when the browser has none yet. */
  browserId(request: FastifyRequest, reply: FastifyReply): string {
    const existing = request.cookies[this.browserName];
    if (existing && /^[\w-]{43}$/.test(existing)) return existing;
    const id = randomBytes(32).toString('base64url');
    this.set(reply, this.browserName, id, 400 * 86400);
    return id;
  }

  existingBrowserId(request: FastifyRequest): string | undefined {
    return request.cookies[this.browserName];
  }

  sessionCookie(request: FastifyRequest): string | undefined {
    return request.cookies[this.sessionName];
  }

  setSession(reply: FastifyReply, value: string): void {
    this.set(reply, this.sessionName, value, this.sessionTtl);
  }

  clearSession(reply: FastifyReply): void {
    this.clear(reply, this.sessionName);
  }

  deviceCookie(request: FastifyRequest): string | undefined {
    return request.cookies[this.deviceName];
  }

  setDevice(reply: FastifyReply, value: string, maxAgeSeconds: number): void {
    this.set(reply, this.deviceName, value, maxAgeSeconds);
  }

  /** HttpOnly, SameSite=Lax, Path=/ (which `__Host-` requires), Secure on https. */
  set(reply: FastifyReply, name: string, value: string, maxAgeSeconds: number): void {
    reply.setCookie(name, value, this.options(maxAgeSeconds));
  }

  clear(reply: FastifyReply, name: string): void {
    reply.clearCookie(name, this.options(0));
  }

  private options(maxAge: number) {
    return { path: '/', httpOnly: true, sameSite: 'lax' as const, secure: this.secure, maxAge };
  }
}

/** What a CSRF token is bound to: the browser and the session the form is posted in (none before sign-in). */
export interface CsrfBinding {
  browserId: string;
  sessionId: string | undefined;
}

const CSRF_TTL_SECONDS = 3600;
/** Tokens issued by another process whose clock is a little ahead still work. */
const CSRF_CLOCK_SKEW_SECONDS = 60;
const CSRF_TOKEN = /^(\d{1,12})\.([\w-]{43})$/;

/**
 * CSRF tokens (OWASP ASVS V50.3, synchronizer tokens): `issuedAt.mac`, an HMAC-SHA256 under a random page key of the
 * form's purpose, the browser id, the session (or none) and the issue time. So a token works for one form, in one
 * browser, within one session and for an hour: one handed out before a sign-in no longer works after it, nor one from
 * a session after its sign-out. The key comes from no secret an operator chose, so a token is no test of one.
 */
export class CsrfTokens {
  constructor(
    private readonly key: Buffer,
    private readonly now: () => number = nowSeconds,
  ) {}

  issue(binding: CsrfBinding, purpose: string): string {
    const issuedAt = this.now();
    return `${issuedAt}.${this.mac(binding, purpose, issuedAt)}`;
  }

  verify(binding: Partial<CsrfBinding>, purpose: string, token: string | undefined): boolean {
    const { browserId, sessionId } = binding;
    const parts = token === undefined ? null : CSRF_TOKEN.exec(token);
    if (!browserId || !parts) return false;
    const issuedAt = Number(parts[1]);
    const age = this.now() - issuedAt;
    if (age >= CSRF_TTL_SECONDS || age < -CSRF_CLOCK_SKEW_SECONDS) return false;
    const expected = Buffer.from(this.mac({ browserId, sessionId }, purpose, issuedAt));
    return timingSafeEqual(expected, Buffer.from(parts[2]!));
  }

  private mac({ browserId, sessionId }: CsrfBinding, purpose: string, issuedAt: number): string {
    return createHmac('sha256', this.key)
      .update(`csrf/v2\n${purpose}\n${browserId}\n${sessionId ?? ''}\n${issuedAt}`)
      .digest('base64url');
  }
}
