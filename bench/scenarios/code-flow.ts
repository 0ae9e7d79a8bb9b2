import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { runClosedLoop } from '../lib/closed-loop.js';
import { type CodeFlowResult, runCodeFlow } from '../lib/code-flow.js';
import { type Browser, keepAliveAgent, StepError } from '../lib/http.js';
import type { CodeFlowSetup, ReadyLine } from '../lib/protocol.js';
import type { Scenario } from './scenario.js';

const ACCESS_TOKEN_TTL = 1800;

/** A whole flow that must have shown the sign-in and consent pages and yielded all three tokens. */
export async function completeFlow(
  server: ReadyLine,
  setup: CodeFlowSetup,
  agent: ReturnType<typeof keepAliveAgent>,
  browser?: Browser,
): Promise<CodeFlowResult> {
  const flow = await runCodeFlow(server, setup, agent, browser);
  if (!flow.sawLogin || !flow.sawConsent)
    throw new StepError('flow', 200, `the flow skipped ${flow.sawLogin ? 'consent' : 'sign-in'}: ${flow.steps.join(', ')}`);
  if (typeof flow.tokens.refresh_token !== 'string' || typeof flow.tokens.id_token !== 'string') {
    throw new StepError('POST token', 200, `the token response lacks ${flow.tokens.refresh_token ? 'an id_token' : 'a refresh_token'}`);
  }
  return flow;
}

/** Checks the tokens of a flow as a client would: the access token JWT and the ID token against the JWKS. */
export async function checkUserTokens(server: ReadyLine, setup: CodeFlowSetup, tokens: CodeFlowResult['tokens']): Promise<string> {
  const jwks = createRemoteJWKSet(new URL(server.jwksUri));
  if (tokens.token_type.toLowerCase() !== 'bearer') throw new Error(`token_type is ${tokens.token_type}`);
  if (tokens.expires_in !== ACCESS_TOKEN_TTL) throw new Error(`expires_in is ${tokens.expires_in}, expected ${ACCESS_TOKEN_TTL}`);
  const { payload } = await jwtVerify(tokens.access_token, jwks, {
    algorithms: ['ES256'],
    typ: 'at+jwt',
    issuer: server.issuer,
    audience: setup.audience,
    requiredClaims: ['iss', 'sub', 'aud', 'client_id', 'iat', 'exp', 'jti'],
  });
  if (payload.client_id !== setup.clientId) throw new Error(`access token client_id is ${String(payload.client_id)}`);
  const idHeader = decodeProtectedHeader(tokens.id_token!);
  const { payload: id } = await jwtVerify(tokens.id_token!, jwks, {
    issuer: server.issuer,
    audience: setup.clientId,
    requiredClaims: ['sub', 'iat', 'exp'],
  });
  if (id.sub !== payload.sub) throw new Error('the ID token and the access token name different users');
  const scope = payload.scope === undefined ? 'no scope claim' : `scope "${String(payload.scope)}"`;
  return `ES256 at+jwt access token (${scope}), ${String(idHeader.alg)} id_token${tokens.refresh_token ? ', refresh token' : ''}`;
}

/** The whole authorization code flow, per second: authorize, sign in (argon2id), consent, token (PKCE S256). */
export const codeFlow: Scenario = {
  name: 'code_flow',
  description:
    'whole authorization code flows per second: GET authorize -> sign-in page -> POST password (argon2id) -> consent page -> POST allow -> code -> POST token (PKCE S256, client_secret_basic), scope openid + offline access, prompt=consent, fresh cookie jar per flow',
  unit: 'flow',
  servers: ['gatehouse', 'oidc-provider'],

  async prepare(server, { flowLoops }) {
    const setup = server.codeFlow;
    if (!setup) throw new Error('the server does not announce a code flow');
    const agents = Array.from({ length: flowLoops }, () => keepAliveAgent());
    const flow = await completeFlow(server, setup, agents[0]!);
    const tokens = await checkUserTokens(server, setup, flow.tokens);
    // The password is really checked: a wrong one gets the sign-in page again, not a consent page.
    const wrong = await runCodeFlow(server, { ...setup, password: `${setup.password}x` }, agents[0]!).then(
      (result) => `completed (${result.steps.join(', ')})`,
      (error: unknown) => (error instanceof StepError ? `${error.step} ${error.status}` : String(error)),
    );
    if (!/^POST \S+ 4\d\d$/.test(wrong)) throw new Error(`a wrong password was not refused at sign-in: ${wrong}`);
    return {
      verified: `${flow.requests} HTTP requests per flow (${flow.steps.join(', ')}); ${tokens}; a wrong password: ${wrong}`,
      concurrency: `${flowLoops} flow loops`,
      note: `${flow.requests} HTTP requests per flow`,
      run: (duration) =>
        runClosedLoop(async (loop) => (await completeFlow(server, setup, agents[loop]!)).requests, { loops: flowLoops, duration }),
      recheck: async () => void (await checkUserTokens(server, setup, (await completeFlow(server, setup, agents[0]!)).tokens)),
      dispose: () => {
        for (const agent of agents) agent.destroy();
      },
    };
  },
};
