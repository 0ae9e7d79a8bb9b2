import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';

/**
 * The cookies of the pages. On https they carry the `__Host-` prefix (Secure, no Domain, Path=/), so a sibling
 * subdomain cannot plant or read them. The browser cookie is a random id that binds interactions and CSRF tokens
 * to the browser that started them; the session cookie holds the session secret; the device cookie tells sign-in
 * that this browser signed in to an account before (src/accounts/login.ts).
 */
export class BrowserCookies {
  /** What every cookie name of the pages starts with. */
  readonly prefix: string;
  readonly browserName: string;
  readonly sessionName: string;
  readonly deviceName: string;
  private readonly secure: boolean;

  constructor(issuer: string, private readonly sessionTtl: number) {
    this.secure = issuer.startsWith('https://');
    this.prefix = this.secure ? '__Host-' : '';
    this.browserName = `${this.prefix}gh_browser`;
    this.sessionName = `${this.prefix}gh_session`;
    this.deviceName = `${this.prefix}gh_device`;
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

/** CSRF tokens: an HMAC of the browser id and the form's purpose, so a token is good for one form in one browser. */
export class CsrfTokens {
  constructor(private readonly key: Buffer) {}

  issue(browserId: string, purpose: string): string {
    return createHmac('sha256', this.key).update(`${purpose}\n${browserId}`).digest('base64url');
  }

  verify(browserId: string | undefined, purpose: string, token: string | undefined): boolean {
    if (!browserId || !token) return false;
    const expected = Buffer.from(this.issue(browserId, purpose));
    const presented = Buffer.from(token);
    return expected.length === presented.length && timingSafeEqual(expected, presented);
  }
}
