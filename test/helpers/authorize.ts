import assert from 'node:assert/strict';
import { hiddenFields, location, type TestBrowser } from './browser.js';

/** Shortcuts for the authorization endpoint tests: request URLs, callbacks, error pages, sign-in and consent forms. */

// RFC 7636 Appendix B.
export const VERIFIER = 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk';
export const CHALLENGE = 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM';

/** Request parameters; an array repeats the parameter, undefined leaves it out. */
export type Params = Record<string, string | string[] | undefined>;

export function toQuery(params: Params): URLSearchParams {
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) for (const one of value === undefined ? [] : [value].flat()) query.append(name, one);
  return query;
}

export const authorizePath = (params: Params) => `/oauth2/authorize?${toQuery(params)}`;

/** Asserts a redirect to exactly `redirectUri` (no fragment, no repeated parameter) and returns the whole query. */
export function callback(response: Response, redirectUri: string, status = 302): Record<string, string> {
  assert.equal(response.status, status);
  const target = location(response);
  // RFC 6749 §3.1.2: the redirect URI's own query is retained; the response parameters are added to it.
  const prefix = `${redirectUri}${redirectUri.includes('?') ? '&' : '?'}`;
  assert.ok(target.startsWith(prefix), `redirected to ${target}, expected ${prefix}…`);
  const url = new URL(target);
  assert.equal(url.hash, '');
  const params = Object.fromEntries(url.searchParams);
  assert.equal([...url.searchParams.keys()].length, Object.keys(params).length, `a parameter is repeated in ${target}`);
  return params;
}

/** Asserts an error callback: exactly error, error_description, iss and (when given) state. */
export function assertErrorCallback(params: Record<string, string>, error: string, issuer: string, state?: string): void {
  const { error_description: description, ...rest } = params;
  assert.match(
    description ?? '',
    /^[\x20\x21\x23-\x5B\x5D-\x7E]+$/,
    'error_description is missing or has characters RFC 6749 §4.1.2.1 forbids',
  );
  assert.deepEqual(rest, { error, iss: issuer, ...(state === undefined ? {} : { state }) });
}

/** Asserts an HTML error page naming `code`, with no redirect anywhere; returns the page. */
export async function assertErrorPage(response: Response, status: number, code: string, heading?: string): Promise<string> {
  assert.equal(response.status, status);
  assert.equal(response.headers.get('location'), null);
  assert.equal(response.headers.get('content-type'), 'text/html; charset=utf-8');
  const html = await response.text();
  assert.ok(html.includes(`Error: <code>${code}</code>`), `the page does not name ${code}`);
  if (heading) assert.ok(html.includes(`<h1 id="page-title">${heading}</h1>`), `the page is not "${heading}"`);
  return html;
}

/** The login or consent page a location leads to: `/login?interaction=…` with a 24-character id. */
export function assertInteraction(response: Response, page: 'login' | 'consent', status = 302): string {
  assert.equal(response.status, status);
  const target = location(response);
  assert.match(target, new RegExp(`^/${page}\\?interaction=[\\w-]{24}$`));
  return target;
}

/** The `<input>` a `<label>` with this text is for (label for= matching the input's id). */
export function labelledInput(html: string, label: string): string {
  const forId = new RegExp(`<label for="([^"]+)">${label}</label>`).exec(html)?.[1];
  assert.ok(forId, `no label "${label}"`);
  const input = new RegExp(`<input id="${forId}"[^>]*>`).exec(html)?.[0];
  assert.ok(input, `no input with id "${forId}" for the label "${label}"`);
  return input;
}

/** Opens the login page at `target` and signs in. */
export async function signIn(browser: TestBrowser, target: string, username: string, password: string): Promise<Response> {
  const page = await browser.get(target);
  assert.equal(page.status, 200);
  return browser.post('/login', { ...hiddenFields(await page.text(), '/login'), username, password });
}

/** Opens the consent page at `target` and answers it. */
export async function decide(browser: TestBrowser, target: string, decision: 'allow' | 'deny'): Promise<Response> {
  const page = await browser.get(target);
  assert.equal(page.status, 200);
  return browser.post('/consent', { ...hiddenFields(await page.text(), '/consent'), decision });
}

/** The Set-Cookie line for `name`, if the response sets it. */
export const setCookie = (response: Response, name: string) => response.headers.getSetCookie().find((line) => line.startsWith(`${name}=`));

/** Anti-framing and referrer headers of the endpoint and the pages; never CORS. */
export function assertPageHeaders(response: Response): void {
  assert.match(response.headers.get('content-security-policy') ?? '', /frame-ancestors 'none'/);
  assert.equal(response.headers.get('x-frame-options'), 'DENY');
  assert.equal(response.headers.get('referrer-policy'), 'no-referrer');
  assert.equal(response.headers.get('access-control-allow-origin'), null);
}

/**
 * A form_post response (OAuth 2.0 Form Post Response Mode): an HTML form posting to exactly `redirectUri`, whose only
 * script carries the CSP nonce, with a noscript button; returns its hidden fields.
 */
export async function formPostFields(response: Response, redirectUri: string): Promise<Record<string, string>> {
  assert.equal(response.status, 200);
  assert.equal(response.headers.get('location'), null);
  assert.equal(response.headers.get('content-type'), 'text/html; charset=utf-8');
  assert.equal(response.headers.get('cache-control'), 'no-store');
  assertPageHeaders(response);
  const csp = response.headers.get('content-security-policy')!;
  const nonce = /script-src 'nonce-([A-Za-z0-9+/=]{22,})'/.exec(csp)?.[1];
  assert.ok(nonce, csp);
  assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval|script-src[^;]*(https?:|\*)/);
  assert.match(csp, new RegExp(`form-action 'self' ${new URL(redirectUri).origin.replace(/[.]/g, '\\.')};`));
  const html = await response.text();
  assert.deepEqual(
    [...html.matchAll(/<script([^>]*)>/g)].map((script) => script[1]),
    [` nonce="${nonce}"`],
  );
  assert.ok(html.includes(`<form method="post" action="${redirectUri}" id="response">`));
  assert.match(html, /<noscript>[\s\S]*<button type="submit"[^>]*>Continue<\/button>[\s\S]*<\/noscript>/);
  return hiddenFields(html, redirectUri);
}

/** The attributes of a Set-Cookie line, lower-cased. */
export const cookieAttributes = (line: string) =>
  line
    .split(';')
    .slice(1)
    .map((part) => part.trim().toLowerCase());
