import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { safeDescription } from '../src/oauth/errors.js';
import {
  assertErrorCallback,
  assertErrorPage,
  assertInteraction,
  authorizePath,
  CHALLENGE,
  callback,
  formPostFields,
  type Params,
} from './helpers/authorize.js';
import { TestBrowser } from './helpers/browser.js';
import { startTestServer, type TestServer } from './helpers/server.js';
import type { Credentials } from './helpers/tokens.js';

const CB = 'http://127.0.0.1:9999/cb';

test('an error_description is cut to 200 characters', () => {
  assert.equal(safeDescription('short'), 'short');
  assert.equal(safeDescription('x'.repeat(200)), 'x'.repeat(200));
  const cut = safeDescription(`the client may not request: ${'a'.repeat(500)}`);
  assert.equal(cut.length, 200);
  assert.ok(cut.endsWith('a...'));
});

/**
 * What the authorization endpoint reflects (issue 9, item 14). Before: a state of any length over 2048 was echoed,
 * whole, in the error redirect ("state is too long"), and an error_description named every refused scope.
 */
describe('the authorization endpoint echoes bounded values only', () => {
  let server: TestServer;
  let web: Credentials;

  before(async () => {
    server = await startTestServer({ name: 'sqlite' });
    web = await server.createClient({ name: 'Web App', grantTypes: ['authorization_code'], redirectUris: [CB] });
  });
  after(() => server?.close());

  const base = (): Params => ({
    client_id: web.clientId,
    redirect_uri: CB,
    response_type: 'code',
    scope: 'openid',
    code_challenge: CHALLENGE,
    code_challenge_method: 'S256',
  });

  test('a state longer than 2048 characters gets the error page, not a redirect that echoes it', async () => {
    const state = 's'.repeat(2049);
    const variants: Params[] = [{ state }, { state, response_type: 'token' }, { state, response_mode: 'form_post' }];
    for (const extra of variants) {
      const params = { ...base(), ...extra };
      const response = await new TestBrowser(server.url).get(authorizePath(params));
      const html = await assertErrorPage(response, 400, 'invalid_request');
      assert.ok(!html.includes(state.slice(0, 100)), 'the state is not in the page');
      assert.match(html, /longer than 2048 characters/);
    }
    const posted = await new TestBrowser(server.url).post('/oauth2/authorize', { ...(base() as Record<string, string>), state });
    await assertErrorPage(posted, 400, 'invalid_request');
    // 2048 is still accepted, and echoed.
    const accepted = await new TestBrowser(server.url).get(authorizePath({ ...base(), state: 's'.repeat(2048) }));
    assertInteraction(accepted, 'login');
    const refused = await new TestBrowser(server.url).get(authorizePath({ ...base(), state: 's'.repeat(2048), response_type: 'token' }));
    assertErrorCallback(callback(refused, CB), 'unsupported_response_type', server.issuer, 's'.repeat(2048));
  });

  test('an error_description naming refused scopes is at most 200 characters, in a redirect and in a form post', async () => {
    const scope = Array.from({ length: 60 }, (_, i) => `unknown:scope-${i}`).join(' ');
    const redirected = callback(await new TestBrowser(server.url).get(authorizePath({ ...base(), scope, state: 'st' })), CB);
    assertErrorCallback(redirected, 'invalid_scope', server.issuer, 'st');
    assert.equal(redirected.error_description!.length, 200);
    assert.match(redirected.error_description!, /^the client may not request: unknown:scope-0 .*\.\.\.$/);
    const formPost = await new TestBrowser(server.url).get(authorizePath({ ...base(), scope, response_mode: 'form_post' }));
    const posted = await formPostFields(formPost, CB);
    assert.equal(posted.error, 'invalid_scope');
    assert.equal(posted.error_description!.length, 200);
  });
});
