import { runClosedLoop } from '../lib/closed-loop.js';
import { refreshOnce } from '../lib/code-flow.js';
import { keepAliveAgent, postBasic, StepError } from '../lib/http.js';
import { checkUserTokens, completeFlow } from './code-flow.js';
import type { Scenario } from './scenario.js';

/** Refresh-token rotation: each loop holds a refresh token and trades it for the next one, over and over. */
export const refreshRotation: Scenario = {
  name: 'refresh_token',
  description:
    'POST token grant_type=refresh_token with client_secret_basic and rotation: each loop holds one refresh token (from one code flow) and replaces it with the one in every answer',
  unit: 'req',
  servers: ['gatehouse', 'oidc-provider'],

  async prepare(server, { refreshLoops }) {
    const setup = server.codeFlow;
    if (!setup) throw new Error('the server does not announce a code flow');
    const agents = Array.from({ length: refreshLoops }, () => keepAliveAgent());

    // A sacrificial family: refresh once, check the answer, refresh again with the new token, then check the first one
    // is refused (once its successor was used, a replay is reuse whatever a server's retry window).
    const first = (await completeFlow(server, setup, agents[0]!)).tokens;
    const second = await refreshOnce(server, setup, first.refresh_token!, agents[0]!);
    const what = await checkUserTokens(server, setup, { ...second, id_token: second.id_token ?? first.id_token! });
    await refreshOnce(server, setup, second.refresh_token!, agents[0]!);
    const replay = await postBasic(
      new URL(server.tokenEndpoint),
      setup.clientId,
      setup.clientSecret,
      { grant_type: 'refresh_token', refresh_token: first.refresh_token! },
      agents[0]!,
    );
    if (replay.status !== 400 || !replay.body.includes('invalid_grant'))
      throw new Error(`a used refresh token was answered ${replay.status} ${replay.body.slice(0, 200)}`);

    // Seed every loop with a refresh token from its own flow.
    const tokens: string[] = [];
    for (const agent of agents) tokens.push((await completeFlow(server, setup, agent)).tokens.refresh_token!);
    const rotate = async (loop: number) => {
      try {
        tokens[loop] = (await refreshOnce(server, setup, tokens[loop]!, agents[loop]!)).refresh_token!;
      } catch (error) {
        // Its family may be gone: start a new one, so one error does not end the loop (the error is still counted).
        if (error instanceof StepError) tokens[loop] = (await completeFlow(server, setup, agents[loop]!)).tokens.refresh_token!;
        throw error;
      }
      return 1;
    };
    return {
      verified: `200 with a new refresh token, ${what}, ${second.id_token ? 'an id_token' : 'no id_token'} on refresh; after its successor was used, the first refresh token answered 400 invalid_grant`,
      concurrency: `${refreshLoops} loops`,
      note: second.id_token ? 'each refresh also issues an RS256 id_token' : 'refresh issues no id_token',
      run: (duration) => runClosedLoop(rotate, { loops: refreshLoops, duration }),
      recheck: async () => void (await rotate(0)),
      dispose: () => {
        for (const agent of agents) agent.destroy();
      },
    };
  },
};
