import { invalidRequest } from './errors.js';

/** Parameters of an application/x-www-form-urlencoded body; only RFC 8707 `resource` may be repeated. */
export type FormParams = Record<string, string | string[]>;

const REPEATABLE = new Set(['resource']);
const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Strict form parsing for OAuth endpoints: malformed percent-encoding or UTF-8 is `invalid_request`, a repeated
 * parameter is `invalid_request` (RFC 6749 §3.1, §3.2), and a parameter without a value counts as absent.
 */
export function parseForm(body: Buffer | string): FormParams {
  const params: FormParams = Object.create(null);
  for (const [name, values] of Object.entries(parseParams(body))) {
    if (values.length > 1 && !REPEATABLE.has(name)) throw invalidRequest(`the ${describeName(name)} parameter is repeated`);
    params[name] = values.length > 1 ? values : values[0]!;
  }
  return params;
}

/** Every value of every parameter, in order; for endpoints that decide themselves what a repeat means. */
export function parseParams(body: Buffer | string): Record<string, string[]> {
  let text: string;
  try {
    text = typeof body === 'string' ? body : utf8.decode(body);
  } catch {
    throw invalidRequest('the request body is not valid UTF-8');
  }
  const params: Record<string, string[]> = Object.create(null);
  for (const pair of text.split('&')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    const name = decode(eq === -1 ? pair : pair.slice(0, eq));
    const value = eq === -1 ? '' : decode(pair.slice(eq + 1));
    if (value === '') continue;
    const values = params[name];
    if (values) values.push(value);
    else params[name] = [value];
  }
  return params;
}

// Names are echoed in error descriptions only when they look like OAuth parameter names.
export const describeName = (name: string): string => (/^[a-z_]{1,40}$/.test(name) ? name : 'same');

function decode(component: string): string {
  try {
    return decodeURIComponent(component.replaceAll('+', ' '));
  } catch {
    throw invalidRequest('the request body has malformed percent-encoding');
  }
}

/** A single-valued parameter; `resource` is the only one that may come as a list. */
export function single(params: FormParams, name: string): string | undefined {
  const value = params[name];
  if (Array.isArray(value)) throw invalidRequest(`the ${name} parameter is repeated`);
  return value;
}

export function required(params: FormParams, name: string): string {
  const value = single(params, name);
  if (value === undefined) throw invalidRequest(`the ${name} parameter is missing`);
  return value;
}
