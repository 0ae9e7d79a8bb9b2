import type { PlaygroundConfig } from './setup';

/** A successful token response (RFC 6749 §5.1). */
export interface TokenResponse {
  access_token: string;
  token_type: string;
  expires_in?: number;
  scope?: string;
}

/** Why no token came, in words for the page; `detail` is the server's own error_description. */
export class TokenRequestError extends Error {
  constructor(
    message: string,
    readonly detail?: string,
  ) {
    super(message);
  }
}

const TIMEOUT_MS = 15_000;
/** The channel the callback page (callback.ts) answers on. */
export const CALLBACK_CHANNEL = 'gatehouse-playground';

const plural = (scopes: string[]) => (scopes.length === 1 ? 'scope' : 'scopes');

/** The RFC 6749 §5.2 error codes in words (and RFC 8707 §2's invalid_target). */
function explainTokenError(error: string, grant: string, scopes: string[], resource: string | null): string {
  switch (error) {
    case 'invalid_client':
      return 'The client ID or secret is wrong, or the client was revoked.';
    case 'invalid_scope':
      return scopes.length
        ? `The client may not have the ${plural(scopes)} ${scopes.join(' ')}: its roles do not allow ${scopes.length === 1 ? 'it' : 'them all'}, or this API does not define ${scopes.length === 1 ? 'it' : 'them'}.`
        : 'The client may not have the scopes it asked for.';
    case 'invalid_target':
      return `No token can be issued for ${resource ?? 'this API'}: it is not an API of this account, or the client may not use it.`;
    case 'unauthorized_client':
      return `This client may not use the ${grant} grant.`;
    case 'invalid_grant':
      return 'The sign-in code was refused (used already, expired, or for another window). Sign in again.';
    case 'invalid_request':
      return 'The token endpoint found the request malformed.';
    default:
      return `The token endpoint refused the request (${error}).`;
  }
}

/**
 * POST to the token endpoint, the form in the body: a client's credentials go there too (client_secret_post, RFC 6749
 * §2.3.1), never in an Authorization header, whose failure would make the browser open its own sign-in prompt.
 */
async function requestToken(
  config: PlaygroundConfig,
  form: Record<string, string | undefined>,
  explain: { grant: string; scopes: string[]; resource: string | null },
): Promise<TokenResponse> {
  const body = new URLSearchParams();
  for (const [name, value] of Object.entries(form)) if (value !== undefined && value !== '') body.set(name, value);
  let response: Response;
  try {
    response = await fetch(config.token_endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body,
      credentials: 'omit',
      cache: 'no-store',
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
  } catch (error) {
    if ((error as Error).name === 'TimeoutError')
      throw new TokenRequestError(`The token endpoint ${config.token_endpoint} did not answer within ${TIMEOUT_MS / 1000} seconds.`);
    throw new TokenRequestError(`Could not reach the token endpoint ${config.token_endpoint}. Check that the server is running.`);
  }
  const answer = (await response.json().catch(() => undefined)) as Record<string, unknown> | undefined;
  if (response.ok && typeof answer?.access_token === 'string') return answer as unknown as TokenResponse;
  if (typeof answer?.error === 'string') {
    const detail = typeof answer.error_description === 'string' ? answer.error_description : undefined;
    throw new TokenRequestError(explainTokenError(answer.error, explain.grant, explain.scopes, explain.resource), detail);
  }
  throw new TokenRequestError(`The token endpoint answered HTTP ${response.status} without a token.`);
}

/** A token of the developer's own app client (RFC 6749 §4.4), for `resource` (RFC 8707) when it is not null. */
export function clientCredentialsToken(
  config: PlaygroundConfig,
  request: { clientId: string; clientSecret: string; scopes: string[]; resource: string | null },
): Promise<TokenResponse> {
  return requestToken(
    config,
    {
      grant_type: 'client_credentials',
      client_id: request.clientId,
      client_secret: request.clientSecret,
      // None ticked: no scope parameter, so the client gets every scope it may have.
      scope: request.scopes.join(' '),
      resource: request.resource ?? undefined,
    },
    { grant: 'client credentials', scopes: request.scopes, resource: request.resource },
  );
}

const base64url = (bytes: Uint8Array) =>
  btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');
const randomValue = (length: number) => base64url(crypto.getRandomValues(new Uint8Array(length)));

/** What the callback page relays from the authorization response (RFC 6749 §4.1.2, RFC 9207 `iss`). */
export interface CallbackMessage {
  code?: string;
  state?: string;
  iss?: string;
  error?: string;
  error_description?: string;
}

const WINDOW_FEATURES = 'popup,width=520,height=720';
/** Longer than any sign-in takes; a window left open does not leave the page waiting for ever. */
const SIGN_IN_TIMEOUT_MS = 10 * 60_000;
/** How long a closed sign-in window's answer may take to arrive. */
const CLOSED_GRACE_MS = 2_000;

/**
 * A token by authorization code with PKCE S256 (RFC 7636) through the tenant's built-in public client, signed in in a
 * popup. Call it from the click itself: the popup is opened before anything is awaited, or browsers block it. The
 * verifier and state stay in this function's memory.
 */
export async function signInToken(
  config: PlaygroundConfig,
  request: { scopes: string[]; resource: string | null },
): Promise<TokenResponse> {
  const popup = window.open('about:blank', 'gatehouse-playground-sign-in', WINDOW_FEATURES);
  if (!popup) throw new TokenRequestError('The browser blocked the sign-in window. Allow pop-ups for this page, then try again.');
  const verifier = randomValue(32);
  const state = randomValue(16);
  const challenge = base64url(new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier))));
  const scope = ['openid', ...request.scopes.filter((name) => name !== 'openid')].join(' ');
  const url = new URL(config.authorization_endpoint);
  url.search = new URLSearchParams({
    response_type: 'code',
    client_id: config.client_id,
    redirect_uri: config.redirect_uri,
    scope,
    state,
    code_challenge: challenge,
    code_challenge_method: 'S256',
    ...(request.resource ? { resource: request.resource } : {}),
  }).toString();
  const message = waitForCallback(popup, state);
  popup.location.href = url.href;
  const answer = await message;
  // RFC 9207 §2.4: an authorization response naming another issuer is not this server's (a mix-up attack).
  if (answer.iss !== undefined && answer.iss !== config.issuer)
    throw new TokenRequestError(`The sign-in answer came from ${answer.iss}, not from this server (${config.issuer}).`);
  if (answer.error) {
    throw new TokenRequestError(
      answer.error === 'access_denied' ? 'Signing in was cancelled or refused.' : `Signing in failed (${answer.error}).`,
      answer.error_description,
    );
  }
  if (!answer.code) throw new TokenRequestError('The sign-in answer carried no code.');
  return requestToken(
    config,
    {
      grant_type: 'authorization_code',
      code: answer.code,
      redirect_uri: config.redirect_uri,
      client_id: config.client_id,
      code_verifier: verifier,
      resource: request.resource ?? undefined,
    },
    { grant: 'authorization code', scopes: request.scopes, resource: request.resource },
  );
}

/** The callback's message for `state`; refused when the window is closed first or nothing comes in time. */
function waitForCallback(popup: Window, state: string): Promise<CallbackMessage> {
  return new Promise((resolve, reject) => {
    const channel = new BroadcastChannel(CALLBACK_CHANNEL);
    const finish = () => {
      channel.close();
      clearInterval(watch);
      clearTimeout(timeout);
    };
    channel.onmessage = (event: MessageEvent<CallbackMessage>) => {
      // Another sign-in's answer (another tab of the playground) is not this one's.
      if (event.data?.state !== state) return;
      finish();
      popup.close();
      resolve(event.data);
    };
    let timeout: ReturnType<typeof setTimeout>;
    const watch = setInterval(() => {
      if (!popup.closed) return;
      // The callback page posts its message, then closes: the message may still be on its way. Wait for it a moment.
      clearInterval(watch);
      clearTimeout(timeout);
      timeout = setTimeout(() => {
        finish();
        reject(new TokenRequestError('The sign-in window was closed before signing in finished.'));
      }, CLOSED_GRACE_MS);
    }, 500);
    timeout = setTimeout(() => {
      finish();
      popup.close();
      reject(new TokenRequestError('Signing in took more than 10 minutes; try again.'));
    }, SIGN_IN_TIMEOUT_MS);
  });
}
