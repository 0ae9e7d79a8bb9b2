import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import * as client from 'openid-client';
import type { Browser, Page } from 'playwright-core';
import { systemActor } from '../src/admin/audit-log.js';
import { signIn } from './helpers/authorize.js';
import { TestBrowser } from './helpers/browser.js';
import { chromiumAvailable, launchChromium, SCREENSHOTS } from './helpers/chromium.js';
import { freePort, startTestServer, type TestServer } from './helpers/server.js';

/**
 * A real relying party: it starts the code flow with PKCE, and on its callback redeems the code with openid-client
 * and greets the user by the name in the ID token.
 */
async function startRelyingParty(
  issuer: string,
  clientId: string,
  clientSecret: string,
  port: number,
): Promise<{ server: Server; start: () => Promise<string> }> {
  const redirectUri = `http://127.0.0.1:${port}/callback`;
  const config = await client.discovery(new URL(issuer), clientId, clientSecret, client.ClientSecretBasic(), {
    execute: [client.allowInsecureRequests],
  });
  const pending = new Map<string, { verifier: string; nonce: string }>();
  const server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', redirectUri);
    if (url.pathname !== '/callback') return response.writeHead(404).end();
    const state = url.searchParams.get('state') ?? '';
    const flow = pending.get(state);
    if (!flow) return response.writeHead(400).end('unknown state');
    client
      .authorizationCodeGrant(config, url, {
        pkceCodeVerifier: flow.verifier,
        expectedState: state,
        expectedNonce: flow.nonce,
        idTokenExpected: true,
      })
      .then((tokens) => {
        const claims = tokens.claims()!;
        response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
        response.end(
          `<!doctype html><title>Demo app</title><h1>Welcome, ${String(claims.name)}</h1><p id="scope">${tokens.scope}</p><p id="refresh">${tokens.refresh_token ? 'has refresh token' : 'no refresh token'}</p>`,
        );
      })
      .catch((error: Error) => response.writeHead(500).end(`token exchange failed: ${error.message}`));
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    server,
    start: async () => {
      const verifier = client.randomPKCECodeVerifier();
      const state = client.randomState();
      const nonce = client.randomNonce();
      pending.set(state, { verifier, nonce });
      const challenge = await client.calculatePKCECodeChallenge(verifier);
      return client
        .buildAuthorizationUrl(config, {
          redirect_uri: redirectUri,
          scope: 'openid offline profile',
          code_challenge: challenge,
          code_challenge_method: 'S256',
          state,
          nonce,
        })
        .toString();
    },
  };
}

const shot = (page: Page, name: string) => page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });

if (chromiumAvailable()) {
  describe('a person signs in through a real browser (Chromium)', () => {
    let server: TestServer;
    let browser: Browser;
    let relyingParty: Awaited<ReturnType<typeof startRelyingParty>>;

    before(async () => {
      // A first delay of a minute, so that "inside the delay" holds however slow the machine.
      server = await startTestServer({ name: 'sqlite' }, { GATEHOUSE_SIGN_IN_DELAY: '60' });
      const { management } = server.server.gatehouse;
      await management.users.createUser({
        username: 'alice',
        password: 'correct horse battery',
        name: 'Alice Example',
        email: 'alice@example.com',
        emailVerified: true,
      });
      const port = await freePort();
      const { client: registered, clientSecret } = await management.clients.createClient(
        {
          name: 'Acme Notes',
          description: 'Take notes anywhere.',
          grantTypes: ['authorization_code', 'refresh_token'],
          redirectUris: [`http://127.0.0.1:${port}/callback`],
        },
        systemActor(),
      );
      relyingParty = await startRelyingParty(server.issuer, registered.client_id, clientSecret!, port);
      browser = await launchChromium();
    });
    after(async () => {
      await browser?.close();
      relyingParty?.server.close();
      await server?.close();
    });

    test('sign in, consent, and land on the app signed in; the second time no page is shown', async () => {
      const page = await browser.newPage();
      await page.goto(await relyingParty.start());
      await page.getByRole('heading', { name: 'Sign in', exact: true }).waitFor();
      assert.match((await page.textContent('main')) ?? '', /to continue to Acme Notes/);
      await shot(page, '01-login');

      await page.getByLabel('Username').fill('alice');
      await page.getByLabel('Password').fill('wrong password');
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByRole('alert').waitFor();
      assert.equal(await page.getByRole('alert').textContent(), 'Incorrect username or password.');
      await shot(page, '02-login-error');

      await page.getByLabel('Password').fill('correct horse battery');
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByRole('heading', { name: 'Acme Notes wants to access your account' }).waitFor();
      const consent = (await page.textContent('main')) ?? '';
      for (const text of [
        'Signed in as',
        'Alice Example',
        'Confirm who you are',
        'See your name and username',
        'Keep access when you are not using it',
      ]) {
        assert.ok(consent.includes(text), `consent page shows "${text}"`);
      }
      await shot(page, '03-consent');

      await page.getByRole('button', { name: 'Allow' }).click();
      await page.getByRole('heading', { name: 'Welcome, Alice Example' }).waitFor();
      assert.equal(new URL(page.url()).pathname, '/callback');
      assert.equal(await page.textContent('#scope'), 'openid offline profile');
      assert.equal(await page.textContent('#refresh'), 'has refresh token');
      await shot(page, '04-signed-in');

      // Signed in and consented already: straight back to the app.
      await page.goto(await relyingParty.start());
      await page.getByRole('heading', { name: 'Welcome, Alice Example' }).waitFor();
      await page.close();
    });

    test('the pages cannot be framed and the keyboard alone can sign in', async () => {
      const context = await browser.newContext();
      const page = await context.newPage();
      const response = await page.goto(await relyingParty.start());
      const csp = (await response!.allHeaders())['content-security-policy'] ?? '';
      assert.match(csp, /frame-ancestors 'none'/);
      await page.getByLabel('Username').waitFor();
      assert.equal(await page.locator(':focus').getAttribute('id'), 'username', 'the username field has focus');
      await page.keyboard.type('alice');
      await page.keyboard.press('Tab');
      await page.keyboard.type('correct horse battery');
      await page.keyboard.press('Enter');
      await page.getByRole('heading', { name: 'Welcome, Alice Example' }).waitFor();
      await context.close();
    });

    test('while strangers are held back from an account, its owner signs in from a browser that signed in before', async () => {
      await server.server.gatehouse.management.users.createUser({ username: 'bob', password: 'Tq8#vLm2!pZr5wXe', name: 'Bob' });
      const signInAsBob = async (page: Page, password: string) => {
        await page.goto(`${server.url}/login`);
        await page.getByLabel('Username').fill('bob');
        await page.getByLabel('Password').fill(password);
        await page.getByRole('button', { name: 'Sign in' }).click();
      };
      const own = await browser.newContext();
      const ownPage = await own.newPage();
      await signInAsBob(ownPage, 'Tq8#vLm2!pZr5wXe');
      await ownPage.waitForURL(`${server.url}/account`);
      const device = (await own.cookies()).find((cookie) => cookie.name === 'gh_device');
      assert.ok(device, 'the browser keeps a device cookie');
      assert.deepEqual([device.httpOnly, device.sameSite], [true, 'Lax']);
      assert.ok(device.expires > Date.now() / 1000 + 364 * 86400, 'for a year');

      const stranger = new TestBrowser(server.url);
      for (let i = 0; i < 3; i++) assert.equal((await signIn(stranger, '/login', 'bob', `a guess ${i}`)).status, 401);

      const other = await browser.newContext();
      const otherPage = await other.newPage();
      await signInAsBob(otherPage, 'Tq8#vLm2!pZr5wXe');
      await otherPage.getByRole('alert').waitFor();
      const alert = (await otherPage.getByRole('alert').textContent()) ?? '';
      assert.match(alert, /^Too many failed sign-in attempts\. Try again in (1 minute|\d\d seconds)\.$/);
      await shot(otherPage, '05-login-delayed');

      await signInAsBob(ownPage, 'Tq8#vLm2!pZr5wXe');
      await ownPage.waitForURL(`${server.url}/account`);
      await Promise.all([own.close(), other.close()]);
    });
  });
}
