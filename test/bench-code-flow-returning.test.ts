import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ServerProcess } from '../bench/lib/child.js';
import { GATEHOUSE_NODE_FLAGS } from '../bench/lib/node-flags.js';
import { codeFlowReturning } from '../bench/scenarios/code-flow-returning.js';
import type { ServerKind } from '../bench/scenarios/scenario.js';
import { backends } from './helpers/backends.js';

const script = (kind: ServerKind) => fileURLToPath(new URL(`../bench/servers/${kind}.js`, import.meta.url));

/**
 * The bench's returning-user scenario against the real benchmark servers, for a second: its checks pass (sign-in
 * once, then no page; a browser without the session is asked for the password; a code works once and only with its
 * verifier), and every measured flow is exactly the two requests of a returning user, with no bad answer.
 */
async function runScenario(kind: ServerKind, env: Record<string, string | undefined>) {
  const server = await ServerProcess.start({
    name: kind,
    script: script(kind),
    env: { PATH: process.env.PATH, NODE_ENV: 'production', ...env },
    nodeArgs: kind === 'gatehouse' ? GATEHOUSE_NODE_FLAGS : [],
  });
  try {
    const load = await codeFlowReturning.prepare(server.ready, { authenticates: true, connections: 1, flowLoops: 2, refreshLoops: 1 });
    try {
      assert.match(load.verified, /then 2 HTTP requests per returning flow \(GET \S+ 30[23], POST \S+ 200\)/);
      assert.match(load.verified, /without the session cookie: POST \S+ 4\d\d/);
      assert.match(load.verified, /ES256 at\+jwt access token .*RS256 id_token/);
      const result = await load.run(1);
      assert.ok(result.ok > 0, 'no flow completed');
      assert.deepEqual(
        { non2xx: result.non2xx, errors: result.errors, samples: result.errorSamples },
        { non2xx: 0, errors: 0, samples: [] },
      );
      assert.equal(result.httpRequests, 2 * result.ok, 'a measured flow made other requests than authorize and token');
      await load.recheck();
    } finally {
      load.dispose?.();
    }
  } finally {
    await server.stop();
  }
}

describe('bench scenario code_flow_returning', () => {
  for (const backend of backends()) {
    test(`Gatehouse on ${backend.name}`, { timeout: 120_000 }, () => runScenario('gatehouse', { DATABASE_URL: backend.postgresUrl }));
  }
  test('oidc-provider, its session and grant remembered', { timeout: 120_000 }, () => runScenario('oidc-provider', {}));
});
