import type { ResolvedClient } from '../ports/clients.js';
import { OAuthError, type OAuthErrorCode } from './errors.js';
import { describeName } from './form.js';
import { type AudienceResolver, type TokenAudience, withinApi } from './resource-indicators.js';
import { isScopeToken } from './scopes.js';

/** Scopes any client may ask of a user: OpenID Connect's, and the two spellings of offline access. */
export const OIDC_SCOPES = ['openid', 'profile', 'email', 'offline_access', 'offline'] as const;
export const OFFLINE_SCOPES = new Set(['offline', 'offline_access']);

export type ResponseMode = 'query' | 'form_post';
export type Prompt = 'none' | 'login' | 'consent';

/** An authorization request that passed validation (RFC 6749 §4.1.1, RFC 7636 §4.3, OpenID Connect Core §3.1.2.1). */
export interface AuthorizationRequest {
  clientId: string;
  /** Where the response goes. */
  redirectUri: string;
  /** The redirect_uri as the request carried it; null when the client's only registered one was implied. */
  redirectUriParameter: string | null;
  responseMode: ResponseMode;
  state?: string;
  scopes: string[];
  nonce?: string;
  codeChallenge: string;
  prompt: Prompt[];
  maxAge?: number;
  loginHint?: string;
  audience: string;
  requestedAt: number;
}

/** Before the redirect URI is trusted, nothing is sent back to it: the user sees an error page. */
export class AuthorizationPageError extends Error {
  override name = 'AuthorizationPageError';
  constructor(
    readonly code: OAuthErrorCode,
    readonly description: string,
  ) {
    super(description);
  }
}

/** An error that goes back to the client at its (validated) redirect URI, with `state` and `iss`. */
export class AuthorizationRedirectError extends Error {
  override name = 'AuthorizationRedirectError';
  constructor(
    readonly error: OAuthError,
    readonly redirectUri: string,
    readonly responseMode: ResponseMode,
    readonly state: string | undefined,
  ) {
    super(error.message);
  }
}

export type RawParams = Record<string, string[]>;

const LOOPBACK_IPS = new Set(['127.0.0.1', '[::1]']);
const CODE_CHALLENGE = /^[A-Za-z0-9_-]{43}$/;
const MAX_ECHOED_LENGTH = 2048;
const PROMPTS = new Set(['none', 'login', 'consent', 'select_account']);

/**
 * Exact string match against the registered URIs, except that a loopback IP literal matches on any port
 * (RFC 8252 §7.3): native apps listen on whatever port the OS gives them.
 */
export function matchRedirectUri(requested: string, registered: readonly string[]): boolean {
  if (registered.includes(requested)) return true;
  let url: URL;
  try {
    url = new URL(requested);
  } catch {
    return false;
  }
  if (url.protocol !== 'http:' || !LOOPBACK_IPS.has(url.hostname)) return false;
  return registered.some((candidate) => {
    try {
      const allowed = new URL(candidate);
      return (
        allowed.protocol === 'http:' &&
        allowed.hostname === url.hostname &&
        allowed.pathname === url.pathname &&
        allowed.search === url.search &&
        // Compare the string without the port too, so no normalisation other than the port can slip through.
        stripPort(candidate) === stripPort(requested)
      );
    } catch {
      return false;
    }
  });
}

const stripPort = (uri: string) => uri.replace(/^(http:\/\/(?:127\.0\.0\.1|\[::1\]))(?::\d+)?/, '$1');

function one(params: RawParams, name: string): string | undefined {
  const values = params[name];
  return values?.[0];
}

export interface AuthorizationRequestDependencies {
  audiences: AudienceResolver;
  findClient: (clientId: string) => Promise<ResolvedClient | undefined>;
  now: () => number;
}

/**
 * Validates an authorization request in the order that decides where errors may go: first the client and the
 * redirect URI (errors shown on a page, never redirected, RFC 6749 §4.1.2.1), then everything else (errors
 * redirected to the client with `state` and `iss`).
 */
export async function validateAuthorizationRequest(
  params: RawParams,
  deps: AuthorizationRequestDependencies,
): Promise<AuthorizationRequest> {
  const pageError = (description: string) => new AuthorizationPageError('invalid_request', description);
  if ((params.client_id?.length ?? 0) > 1) throw pageError('the client_id parameter is repeated');
  const clientId = one(params, 'client_id');
  if (!clientId) throw pageError('the client_id parameter is missing');
  const resolved = await deps.findClient(clientId);
  if (!resolved || resolved.client.revokedAt !== null) throw new AuthorizationPageError('invalid_client', 'the client is unknown');
  const { client } = resolved;

  if ((params.redirect_uri?.length ?? 0) > 1) throw pageError('the redirect_uri parameter is repeated');
  const redirectUriParameter = one(params, 'redirect_uri') ?? null;
  let redirectUri: string;
  if (redirectUriParameter === null) {
    if (client.redirectUris.length !== 1) throw pageError('the redirect_uri parameter is missing');
    redirectUri = client.redirectUris[0]!;
  } else if (matchRedirectUri(redirectUriParameter, client.redirectUris)) {
    redirectUri = redirectUriParameter;
  } else {
    throw pageError('the redirect_uri is not registered for this client');
  }

  const state = params.state?.length === 1 ? params.state[0] : undefined;
  // An over-long state is not echoed (it would be reflected, whole, into the redirect): the user gets the error page.
  if ((state?.length ?? 0) > MAX_ECHOED_LENGTH) throw pageError(`the state parameter is longer than ${MAX_ECHOED_LENGTH} characters`);
  const modeValue = params.response_mode?.length === 1 ? params.response_mode[0] : undefined;
  const responseMode: ResponseMode = modeValue === 'form_post' ? 'form_post' : 'query';
  const fail = (code: OAuthErrorCode, description: string) =>
    new AuthorizationRedirectError(new OAuthError(code, description), redirectUri, responseMode, state);

  const repeated = Object.keys(params).find((name) => params[name]!.length > 1 && name !== 'resource');
  if (repeated) throw fail('invalid_request', `the ${describeName(repeated)} parameter is repeated`);
  if (modeValue !== undefined && modeValue !== 'query' && modeValue !== 'form_post') {
    throw fail('invalid_request', 'response_mode must be query or form_post');
  }
  if (params.request) throw fail('request_not_supported', 'request objects are not supported');
  if (params.request_uri) throw fail('request_uri_not_supported', 'request_uri is not supported');
  for (const name of ['nonce', 'login_hint']) {
    if ((one(params, name)?.length ?? 0) > MAX_ECHOED_LENGTH) throw fail('invalid_request', `${name} is too long`);
  }

  const responseType = one(params, 'response_type');
  if (!responseType) throw fail('invalid_request', 'the response_type parameter is missing');
  if (responseType !== 'code') throw fail('unsupported_response_type', 'only response_type=code is supported');
  if (!client.grantTypes.includes('authorization_code')) {
    throw fail('unauthorized_client', 'the client is not allowed the authorization_code grant');
  }

  // PKCE is required of every client (OAuth 2.1, RFC 9700 §2.1.1), and only with S256.
  const codeChallenge = one(params, 'code_challenge');
  const method = one(params, 'code_challenge_method');
  if (!codeChallenge) throw fail('invalid_request', 'code_challenge is required (PKCE with S256)');
  if (method !== 'S256') throw fail('invalid_request', 'code_challenge_method must be S256');
  if (!CODE_CHALLENGE.test(codeChallenge)) throw fail('invalid_request', 'code_challenge must be 43 base64url characters');

  // RFC 8707 §2: the resource is checked up front, since the API it names bounds the scopes.
  let target: TokenAudience;
  try {
    target = await deps.audiences.resolve(params.resource?.length === 1 ? params.resource[0] : params.resource);
  } catch (error) {
    if (error instanceof OAuthError) throw new AuthorizationRedirectError(error, redirectUri, responseMode, state);
    throw error;
  }

  const scopeText = one(params, 'scope');
  const requested = scopeText === undefined ? [] : scopeText.split(' ');
  if (!requested.every(isScopeToken)) throw fail('invalid_scope', 'the scope parameter is malformed');
  // The user's own scopes (OpenID Connect's) are for the ID token and userinfo, whatever the API; any other scope must
  // be one the API defines, as for client credentials: asking for another is invalid_scope.
  const allowed = new Set<string>([...OIDC_SCOPES, ...withinApi(resolved.allowedScopes, target)]);
  const refused = requested.filter((scope) => !allowed.has(scope));
  if (refused.length > 0) throw fail('invalid_scope', `the client may not request: ${refused.join(' ')}`);
  // Offline access means a refresh token, which only clients allowed that grant can receive (OIDC Core §11).
  const scopes = [...new Set(requested)].filter((scope) => !OFFLINE_SCOPES.has(scope) || client.grantTypes.includes('refresh_token'));

  const promptText = one(params, 'prompt');
  const prompts = promptText === undefined ? [] : promptText.split(' ').filter(Boolean);
  if (prompts.some((p) => !PROMPTS.has(p))) throw fail('invalid_request', 'prompt has an unknown value');
  if (prompts.includes('none') && prompts.length > 1) throw fail('invalid_request', 'prompt=none cannot be combined with other values');
  const maxAgeText = one(params, 'max_age');
  if (maxAgeText !== undefined && !/^\d{1,9}$/.test(maxAgeText)) throw fail('invalid_request', 'max_age must be a whole number of seconds');

  const nonce = one(params, 'nonce');
  const loginHint = one(params, 'login_hint');
  return {
    clientId,
    redirectUri,
    redirectUriParameter,
    responseMode,
    ...(state === undefined ? {} : { state }),
    scopes,
    ...(nonce === undefined ? {} : { nonce }),
    codeChallenge,
    prompt: prompts.filter((p): p is Prompt => p !== 'select_account'),
    ...(maxAgeText === undefined ? {} : { maxAge: Number(maxAgeText) }),
    ...(loginHint === undefined ? {} : { loginHint }),
    audience: target.audience,
    requestedAt: deps.now(),
  };
}
