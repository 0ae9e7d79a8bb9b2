import { createHash, randomBytes } from 'node:crypto';
import type { Agent } from 'node:http';
import { Browser, type HttpAnswer, postBasic, postForm, StepError } from './http.js';
import type { CodeFlowSetup, ReadyLine } from './protocol.js';

/** The token response of the user-facing grants. */
export interface UserTokens {
  access_token: string;
  token_type: string;
  expires_in: number;
  refresh_token?: string;
  id_token?: string;
  scope?: string;
}

export interface CodeFlowResult {
  tokens: UserTokens;
  /** HTTP requests the flow made, the token request included. */
  requests: number;
  /** Each request, as "METHOD /path status". */
  steps: string[];
  sawLogin: boolean;
  sawConsent: boolean;
}

const MAX_STEPS = 12;

/** "METHOD /path", with long random path segments (interaction ids) shortened to :uid. */
const stepName = (method: string, url: URL) => `${method} ${url.pathname.replace(/\/[A-Za-z0-9_-]{20,}/g, '/:uid')}`;

function expectStatus(step: string, answer: HttpAnswer, accept: (status: number) => boolean): void {
  if (!accept(answer.status))
    throw new StepError(step, answer.status, `answered ${answer.status}: ${answer.body.slice(0, 200).replace(/\s+/g, ' ')}`);
}

/** A token endpoint answer: 200 with JSON, or a StepError. */
export function tokenAnswer(step: string, answer: HttpAnswer): UserTokens {
  expectStatus(step, answer, (status) => status === 200);
  let body: UserTokens;
  try {
    body = JSON.parse(answer.body) as UserTokens;
  } catch {
    throw new StepError(step, answer.status, 'the answer is not JSON');
  }
  if (typeof body.access_token !== 'string') throw new StepError(step, answer.status, 'no access_token in the answer');
  return body;
}

/**
 * One authorization code flow as a browser with no session and the client app run it: the authorization request
 * (PKCE S256, state, nonce), then whatever the server asks — a page with a password field is the sign-in form
 * (username and password filled in), any other form is the consent form (decision=allow) — following redirects on
 * the server's origin until one goes to the redirect URI with a code, then the token request with HTTP Basic.
 * Every step must answer 2xx or 3xx; anything else throws a StepError. A fresh cookie jar each time unless a
 * `browser` is passed, so the user signs in (argon2id) and consents every time; a browser that signed in before
 * keeps its session and only consents.
 */
export async function runCodeFlow(
  server: ReadyLine,
  setup: CodeFlowSetup,
  agent: Agent,
  browser = new Browser(agent),
): Promise<CodeFlowResult> {
  const verifier = randomBytes(32).toString('base64url');
  const state = randomBytes(16).toString('base64url');
  const authorize = new URL(setup.authorizationEndpoint);
  const params = {
    client_id: setup.clientId,
    response_type: 'code',
    redirect_uri: setup.redirectUri,
    scope: setup.scope,
    state,
    nonce: randomBytes(16).toString('base64url'),
    code_challenge: createHash('sha256').update(verifier).digest('base64url'),
    code_challenge_method: 'S256',
    ...setup.params,
  };
  for (const [name, value] of Object.entries(params)) authorize.searchParams.set(name, value);
  const origin = authorize.origin;
  const redirect = new URL(setup.redirectUri);
  const steps: string[] = [];
  let sawLogin = false;
  let sawConsent = false;

  let url = authorize;
  let step = stepName('GET', url);
  let answer = await browser.request(url, 'GET');
  steps.push(`${step} ${answer.status}`);
  let code: string | undefined;
  for (let i = 0; i < MAX_STEPS && code === undefined; i++) {
    if (answer.status >= 300 && answer.status < 400) {
      const location = answer.headers.location;
      if (!location) throw new StepError(step, answer.status, 'a redirect without Location');
      const next = new URL(location, url);
      if (next.origin === redirect.origin && next.pathname === redirect.pathname) {
        const error = next.searchParams.get('error');
        if (error)
          throw new StepError(
            step,
            answer.status,
            `the flow ended with error=${error}: ${next.searchParams.get('error_description') ?? ''}`,
          );
        if (next.searchParams.get('state') !== state) throw new StepError(step, answer.status, 'the redirect does not carry the state');
        code = next.searchParams.get('code') ?? undefined;
        if (!code) throw new StepError(step, answer.status, 'the redirect to the client carries no code');
        break;
      }
      if (next.origin !== origin) throw new StepError(step, answer.status, `redirected off the server to ${next.origin}`);
      url = next;
      step = stepName('GET', url);
      answer = await browser.request(url, 'GET');
    } else if (answer.status === 200) {
      const form = postForm(answer.body);
      if (!form) throw new StepError(step, answer.status, 'a page with no form to post');
      const fields: Record<string, string> = { ...form.hidden };
      if (form.hasPassword) {
        sawLogin = true;
        fields.username = setup.username;
        fields.password = setup.password;
      } else {
        sawConsent = true;
        fields.decision = 'allow';
      }
      url = new URL(form.action, url);
      step = stepName('POST', url);
      answer = await browser.request(url, 'POST', fields);
    } else {
      expectStatus(step, answer, () => false);
    }
    steps.push(`${step} ${answer.status}`);
  }
  if (code === undefined) throw new StepError(step, answer.status, `no code after ${MAX_STEPS} steps`);

  const tokenUrl = new URL(server.tokenEndpoint);
  step = stepName('POST', tokenUrl);
  const tokenResponse = await postBasic(
    tokenUrl,
    setup.clientId,
    setup.clientSecret,
    { grant_type: 'authorization_code', code, redirect_uri: setup.redirectUri, code_verifier: verifier },
    agent,
  );
  steps.push(`${step} ${tokenResponse.status}`);
  const tokens = tokenAnswer(step, tokenResponse);
  return { tokens, requests: steps.length, steps, sawLogin, sawConsent };
}

/** One refresh (RFC 6749 §6) with HTTP Basic; the answer must be 200 and carry a new refresh token. */
export async function refreshOnce(server: ReadyLine, setup: CodeFlowSetup, refreshToken: string, agent: Agent): Promise<UserTokens> {
  const url = new URL(server.tokenEndpoint);
  const step = 'POST refresh_token';
  const tokens = tokenAnswer(
    step,
    await postBasic(url, setup.clientId, setup.clientSecret, { grant_type: 'refresh_token', refresh_token: refreshToken }, agent),
  );
  if (typeof tokens.refresh_token !== 'string' || tokens.refresh_token === refreshToken)
    throw new StepError(step, 200, 'the refresh token was not rotated');
  return tokens;
}
