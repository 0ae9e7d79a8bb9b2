import { decodeJwt } from 'jose';
import { runClosedLoop } from '../lib/closed-loop.js';
import { authorizeInBrowser, redeemCode, runCodeFlow } from '../lib/code-flow.js';
import { Browser, keepAliveAgent, StepError } from '../lib/http.js';
import type { CodeFlowSetup, ReadyLine } from '../lib/protocol.js';
import { checkUserTokens, completeFlow } from './code-flow.js';
import type { Scenario } from './scenario.js';

/**
 * What a returning user's sign-in asks for: an ID token and an access token. Not offline access: oidc-provider
 * grants offline_access only with prompt=consent (OIDC Core §11), which shows the consent page every time, so a
 * returning flow that asked for it would not be a returning flow there; refresh tokens have their own scenario.
 */
const RETURNING_SCOPE = 'openid';

/** The returning user's authorization request: no prompt, a scope the first visit's consent covers. */
const returningSetup = (setup: CodeFlowSetup): CodeFlowSetup => ({ ...setup, scope: RETURNING_SCOPE, params: {} });

/** One returning flow in a browser that signed in before: authorize (no page shown) -> code -> token. */
async function returningFlow(server: ReadyLine, setup: CodeFlowSetup, browser: Browser) {
  const flow = await runCodeFlow(server, setup, browser.agent, browser);
  if (flow.sawLogin || flow.sawConsent)
    throw new StepError(
      'flow',
      200,
      `a returning user was shown the ${flow.sawLogin ? 'sign-in' : 'consent'} page: ${flow.steps.join(', ')}`,
    );
  if (typeof flow.tokens.id_token !== 'string') throw new StepError('POST token', 200, 'the token response lacks an id_token');
  return flow;
}

/** A token request that must be refused with 400 invalid_grant (RFC 6749 §5.2). */
async function expectInvalidGrant(what: string, answer: Promise<{ status: number; body: string }>): Promise<void> {
  const { status, body } = await answer;
  if (status !== 400 || !body.includes('invalid_grant')) throw new Error(`${what} was answered ${status} ${body.slice(0, 200)}`);
}

/**
 * A returning user (issue 14 item 3): each loop is one browser that signed in with the password and consented once,
 * before the measured time; each iteration is then what that user's next visit to the app costs: the authorization
 * request with the remembered session cookie (no password, no consent page), the redirect with the code, and the
 * code redemption with PKCE S256 and HTTP Basic.
 */
export const codeFlowReturning: Scenario = {
  name: 'code_flow_returning',
  description: `whole authorization code flows per second of a returning user: GET authorize with the session cookie of an earlier sign-in and consent (no password, no page) -> code -> POST token (PKCE S256, client_secret_basic), scope ${RETURNING_SCOPE}, one kept cookie jar per loop`,
  unit: 'flow',
  servers: ['gatehouse', 'oidc-provider'],

  async prepare(server, { flowLoops }) {
    if (!server.codeFlow) throw new Error('the server does not announce a code flow');
    const setup = server.codeFlow;
    const returning = returningSetup(setup);
    const browsers = Array.from({ length: flowLoops }, () => new Browser(keepAliveAgent()));
    const first = browsers[0]!;

    // The first visit signs in and consents; the next one shows no page and yields checked tokens of the same sign-in.
    const signIn = await completeFlow(server, setup, first.agent, first);
    const again = await returningFlow(server, returning, first);
    const tokens = await checkUserTokens(server, returning, again.tokens);
    const [before, after] = [decodeJwt(signIn.tokens.id_token!), decodeJwt(again.tokens.id_token!)];
    if (before.sub !== after.sub) throw new Error('the returning flow names another user');
    if (before.auth_time !== undefined && after.auth_time !== before.auth_time)
      throw new Error(`the returning flow's auth_time ${String(after.auth_time)} is not the sign-in's ${String(before.auth_time)}`);

    // What let it through is the session: a browser without it is asked for the password (a wrong one is refused).
    const stranger = await runCodeFlow(server, { ...returning, password: `${setup.password}x` }, first.agent).then(
      (result) => `completed (${result.steps.join(', ')})`,
      (error: unknown) => (error instanceof StepError ? `${error.step} ${error.status}` : String(error)),
    );
    if (!/^POST \S+ 4\d\d$/.test(stranger)) throw new Error(`a browser without the session was not asked to sign in: ${stranger}`);
    // Codes stay one-time and PKCE-bound for a returning user.
    const replayed = await authorizeInBrowser(returning, first);
    await redeemCode(server, returning, replayed.code, replayed.verifier, first.agent);
    await expectInvalidGrant('a code redeemed twice', redeemCode(server, returning, replayed.code, replayed.verifier, first.agent));
    const unproven = await authorizeInBrowser(returning, first);
    await expectInvalidGrant(
      'a code with the wrong PKCE verifier',
      redeemCode(server, returning, unproven.code, `${unproven.verifier}x`, first.agent),
    );

    // Every other loop signs in once too, outside the measured time.
    for (const browser of browsers.slice(1)) await completeFlow(server, setup, browser.agent, browser);
    return {
      verified:
        `sign-in once (${signIn.steps.join(', ')}), then ${again.requests} HTTP requests per returning flow (${again.steps.join(', ')}); ${tokens}; ` +
        `without the session cookie: ${stranger}; a code redeemed twice and a wrong code_verifier: 400 invalid_grant`,
      concurrency: `${flowLoops} flow loops`,
      note: `${again.requests} HTTP requests per flow`,
      run: (duration) =>
        runClosedLoop(async (loop) => (await returningFlow(server, returning, browsers[loop]!)).requests, { loops: flowLoops, duration }),
      recheck: async () => void (await checkUserTokens(server, returning, (await returningFlow(server, returning, first)).tokens)),
      dispose: () => {
        for (const browser of browsers) browser.agent.destroy();
      },
    };
  },
};
