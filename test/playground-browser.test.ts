import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser, BrowserContext, Locator, Page, Request } from 'playwright-core';
import { systemActor } from '../src/admin/audit-log.js';
import { chromiumAvailable, launchChromium, SCREENSHOTS } from './helpers/chromium.js';
import { startTestServer, type TestServer } from './helpers/server.js';

const shot = (page: Page, name: string) => page.screenshot({ path: join(SCREENSHOTS, `playground-${name}.png`), fullPage: false });

/** One operation of the Swagger UI page, e.g. GET /api/demo/items. */
const operation = (page: Page, method: string, path: string): Locator =>
  page.locator(`.opblock.opblock-${method.toLowerCase()}`).filter({ has: page.locator(`.opblock-summary-path[data-path="${path}"]`) });

/** One section of the Authorize dialog, by the name Swagger UI gives it ("oauth2 (OAuth2, clientCredentials)"). */
const authSection = (page: Page, heading: RegExp): Locator =>
  page.locator('.modal-ux .auth-container').filter({ has: page.locator('h4', { hasText: heading }) });

/**
 * A fresh browser context that records every request any of its pages makes (the playground and its sign-in
 * popup), and every console message that reports a Content-Security-Policy violation or an error.
 */
async function recordingContext(browser: Browser): Promise<{ context: BrowserContext; requests: string[]; problems: string[] }> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const requests: string[] = [];
  const problems: string[] = [];
  // The request event sees redirects; routing sees a popup's first navigation, which the event may miss.
  context.on('request', (request) => requests.push(request.url()));
  await context.route('**/*', async (route) => {
    requests.push(route.request().url());
    await route.continue();
  });
  context.on('response', (response) => {
    if (response.status() >= 400) problems.push(`${response.status()} ${response.request().method()} ${response.url()}`);
  });
  context.on('page', (page) => {
    page.on('console', (message) => {
      // Chromium asks every page without an icon for /favicon.ico; the sign-in page has none, so that one 404s.
      const favicon = message.location().url === new URL('/favicon.ico', page.url()).href;
      if (!favicon && (message.type() === 'error' || /Content.Security.Policy/i.test(message.text())))
        problems.push(`${page.url()}: ${message.text()}`);
    });
    page.on('pageerror', (error) => problems.push(`${page.url()}: ${error.message}`));
  });
  return { context, requests, problems };
}

/** Opens an operation, makes sure "Try it out" is on, executes it, and returns its live response. */
async function execute(page: Page, method: string, path: string): Promise<{ status: string; body: string }> {
  const block = operation(page, method, path);
  await block.locator('.opblock-summary').first().click();
  const tryItOut = block.getByRole('button', { name: 'Try it out' });
  if (await tryItOut.isVisible()) await tryItOut.click();
  await block.getByRole('button', { name: 'Execute' }).click();
  const live = block.locator('.live-responses-table .response').first();
  await live.waitFor();
  await block.scrollIntoViewIfNeeded();
  return {
    status: (await live.locator('.response-col_status').innerText()).trim(),
    body: await live.locator('.response-col_description pre').first().innerText(),
  };
}

/**
 * The client credentials token request as the playground sends it: ID and secret in the form body
 * (client_secret_post, RFC 6749 §2.3.1) and no Authorization header, whose failure would bring a Basic challenge.
 */
function assertSecretInBody(request: Request, clientId: string, clientSecret: string): void {
  assert.equal(request.method(), 'POST');
  assert.equal(request.headers().authorization, undefined, 'no HTTP Basic');
  assert.equal(request.headers()['content-type'], 'application/x-www-form-urlencoded');
  const form = new URLSearchParams(request.postData() ?? '');
  assert.deepEqual(Object.fromEntries(form), { grant_type: 'client_credentials', client_id: clientId, client_secret: clientSecret });
}

if (chromiumAvailable()) {
  describe('API playground in a real browser (Chromium)', () => {
    let server: TestServer;
    let browser: Browser;
    let origin: string;

    before(async () => {
      server = await startTestServer({ name: 'sqlite' });
      origin = new URL(server.url).origin;
      browser = await launchChromium();
    });
    after(async () => {
      await browser?.close();
      await server?.close();
    });

    const assertLocalOnly = (requests: string[], problems: string[]) => {
      assert.ok(requests.length > 0);
      const elsewhere = requests.filter((url) => new URL(url).origin !== origin && !url.startsWith('data:'));
      assert.deepEqual(elsewhere, [], 'the playground loads nothing from anywhere but this server');
      assert.deepEqual(problems, [], 'no errors and no Content-Security-Policy violations in the console');
    };

    test('the playground page is locked down: its own CSP, still never framed', async () => {
      const response = await fetch(`${server.url}/playground`);
      assert.equal(response.status, 200);
      const csp = response.headers.get('content-security-policy') ?? '';
      assert.match(csp, /frame-ancestors 'none'/);
      assert.match(csp, /script-src 'self'(;|$)/);
      assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval|https:|\*/);
      assert.equal(response.headers.get('x-frame-options'), 'DENY');
      const redirect = await fetch(`${server.url}/playground/oauth2-redirect.html`);
      assert.equal(redirect.status, 200);
      assert.match(redirect.headers.get('content-security-policy') ?? '', /frame-ancestors 'none'/);
      assert.match(await redirect.text(), /<script src="static\/oauth2-redirect\.js">/);
      // Swagger UI's script for that page is served, under the playground's CSP.
      const script = await fetch(`${server.url}/playground/static/oauth2-redirect.js`);
      assert.equal(script.status, 200);
      assert.equal(script.headers.get('content-security-policy'), csp);
    });

    test('client credentials from the Authorize dialog, then GET /api/demo/items: 200 with the items', async () => {
      const { management } = server.server.gatehouse;
      await management.roles.createRole({ name: 'reader', scopes: ['demo:read'] }, systemActor());
      const { client, clientSecret } = await management.clients.createClient(
        { name: 'Playground tester', roles: ['reader'] },
        systemActor(),
      );
      const { context, requests, problems } = await recordingContext(browser);
      const page = await context.newPage();

      await page.goto(`${server.url}/playground`);
      await operation(page, 'GET', '/api/demo/items').waitFor();
      assert.equal(await page.title(), 'Gatehouse API playground');
      for (const path of ['/oauth2/token', '/oauth2/revoke', '/oauth2/introspect', '/oauth2/userinfo', '/api/demo/whoami', '/health']) {
        assert.ok(await page.locator(`.opblock-summary-path[data-path="${path}"]`).count(), `${path} is listed`);
      }
      await shot(page, '01-overview');

      await page.locator('.auth-wrapper .authorize').click();
      const section = authSection(page, /clientCredentials/);
      await section.waitFor();
      // The client credentials flow starts empty: the built-in client and its scopes are for the code flow.
      assert.equal(await section.locator('#client_id_clientCredentials').inputValue(), '');
      assert.equal(
        await authSection(page, /authorizationCode/)
          .locator('#client_id_authorizationCode')
          .inputValue(),
        'gatehouse-playground',
      );
      await section.locator('#client_id_clientCredentials').fill(client.client_id);
      await section.locator('#client_secret_clientCredentials').fill(clientSecret!);
      await section.scrollIntoViewIfNeeded();
      await shot(page, '02-authorize-client-credentials');

      const token = page.waitForResponse((response) => response.url() === `${server.issuer}/oauth2/token`);
      await section.locator('button.authorize', { hasText: 'Authorize' }).click();
      assert.equal((await token).status(), 200);
      assertSecretInBody((await token).request(), client.client_id, clientSecret!);
      await section.locator('button.authorize', { hasText: 'Logout' }).waitFor();
      assert.match(await section.innerText(), /Authorized/);
      await shot(page, '03-authorized-client-credentials');
      await section.locator('button.btn-done').click();
      await page.locator('.modal-ux').waitFor({ state: 'detached' });

      const items = await execute(page, 'GET', '/api/demo/items');
      assert.equal(items.status, '200');
      assert.deepEqual(JSON.parse(items.body), {
        items: [
          { id: 1, name: 'Gate key' },
          { id: 2, name: 'Visitor badge' },
          { id: 3, name: 'Lantern' },
        ],
      });
      await shot(page, '04-demo-items-200');

      const whoami = await execute(page, 'GET', '/api/demo/whoami');
      assert.equal(whoami.status, '200');
      assert.deepEqual(JSON.parse(whoami.body), {
        sub: client.client_id,
        client_id: client.client_id,
        scope: 'demo:read',
        tenant: 'default',
      });

      assertLocalOnly(requests, problems);
      await context.close();
    });

    test('a wrong client secret: the error shows in the dialog, and nothing asks the browser for Basic credentials', async () => {
      const { client } = await server.server.gatehouse.management.clients.createClient({ name: 'Mistyped secret' }, systemActor());
      const { context, requests, problems } = await recordingContext(browser);
      const page = await context.newPage();
      // A Basic challenge would make a browser open its own sign-in prompt; Chromium run by playwright reports it.
      const prompts: string[] = [];
      page.on('dialog', (dialog) => {
        prompts.push(dialog.message());
        void dialog.dismiss();
      });

      await page.goto(`${server.url}/playground`);
      await page.locator('.auth-wrapper .authorize').click();
      const section = authSection(page, /clientCredentials/);
      await section.locator('#client_id_clientCredentials').fill(client.client_id);
      await section.locator('#client_secret_clientCredentials').fill('gate_cs_not-the-secret');
      const token = page.waitForResponse((response) => response.url() === `${server.issuer}/oauth2/token`);
      await section.locator('button.authorize', { hasText: 'Authorize' }).click();
      const answer = await token;
      assertSecretInBody(answer.request(), client.client_id, 'gate_cs_not-the-secret');
      assert.equal(answer.status(), 401);
      assert.equal(await answer.headerValue('www-authenticate'), null, 'no challenge for credentials sent in the body (RFC 6749 §5.2)');
      assert.deepEqual(await answer.json(), { error: 'invalid_client', error_description: 'client authentication failed' });

      const error = section.locator('.errors');
      await error.waitFor();
      assert.match(await error.innerText(), /auth error[\s\S]*Unauthorized, error: invalid_client/i);
      assert.match(await error.innerText(), /description: client authentication failed/);
      assert.equal(await section.locator('button.authorize', { hasText: 'Authorize' }).count(), 1, 'still not authorized');
      await section.scrollIntoViewIfNeeded();
      await shot(page, '03b-wrong-client-secret');
      assert.deepEqual(prompts, []);
      // The one 401 is the token answer itself; nothing else failed.
      const tokenAnswer401 = (problem: string) =>
        problem.startsWith(`401 POST ${server.issuer}/oauth2/token`) || /status of 401/.test(problem);
      assert.deepEqual(
        problems.filter((problem) => !tokenAnswer401(problem)),
        [],
      );
      assertLocalOnly(requests, []);
      await context.close();
    });

    test('authorization code + PKCE through the sign-in popup, then UserInfo and the admin API: 200', async () => {
      const { management } = server.server.gatehouse;
      const adminRole = await management.roles.ensureAdminRole();
      await management.users.createUser({
        username: 'ada',
        password: 'correct horse battery',
        name: 'Ada Admin',
        email: 'ada@example.com',
        roles: [adminRole],
      });
      const { context, requests, problems } = await recordingContext(browser);
      const page = await context.newPage();

      await page.goto(`${server.url}/playground`);
      await page.locator('.auth-wrapper .authorize').click();
      const section = authSection(page, /authorizationCode/);
      await section.waitFor();
      // openid profile email demo:read are ticked by default; the admin API needs gatehouse:admin too.
      const admin = section.locator('[id="gatehouse:admin-authorizationCode-checkbox-oauth2"]');
      assert.equal(await admin.isChecked(), false);
      await section.locator('label[for="gatehouse:admin-authorizationCode-checkbox-oauth2"]').click();
      assert.equal(await admin.isChecked(), true);
      await section.scrollIntoViewIfNeeded();
      await shot(page, '05-authorize-code-flow');

      const popupOpened = page.waitForEvent('popup');
      await section.locator('button.authorize', { hasText: 'Authorize' }).click();
      const popup = await popupOpened;
      await popup.getByLabel('Username').waitFor();
      const authorizeUrl = new URL(popup.url());
      assert.equal(authorizeUrl.origin, origin);
      await popup.getByLabel('Username').fill('ada');
      await popup.getByLabel('Password').fill('correct horse battery');
      await shot(popup, '06-sign-in-popup');
      const popupClosed = popup.waitForEvent('close');
      const token = page.waitForResponse((response) => response.url() === `${server.issuer}/oauth2/token`);
      await popup.getByRole('button', { name: 'Sign in' }).click();
      // Signed in: the built-in client skips consent, the popup lands on oauth2-redirect.html, hands the code to
      // the playground and closes; the playground redeems the code with its PKCE verifier.
      await popupClosed;
      const tokenResponse = await token;
      assert.equal(tokenResponse.status(), 200);
      const tokens = (await tokenResponse.json()) as { scope: string; id_token?: string };
      assert.deepEqual(tokens.scope.split(' ').sort(), ['demo:read', 'email', 'gatehouse:admin', 'openid', 'profile']);
      await section.locator('button.authorize', { hasText: 'Logout' }).waitFor();
      await shot(page, '07-authorized-code-flow');
      await section.locator('button.btn-done').click();
      await page.locator('.modal-ux').waitFor({ state: 'detached' });

      const userinfo = await execute(page, 'GET', '/oauth2/userinfo');
      assert.equal(userinfo.status, '200');
      const claims = JSON.parse(userinfo.body) as Record<string, unknown>;
      assert.equal(claims.name, 'Ada Admin');
      assert.equal(claims.email, 'ada@example.com');
      await shot(page, '08-userinfo-200');

      const users = await execute(page, 'GET', '/admin/users');
      assert.equal(users.status, '200');
      assert.ok((JSON.parse(users.body) as { users: Array<{ username: string }> }).users.some((user) => user.username === 'ada'));
      await shot(page, '09-admin-users-200');

      assert.ok(
        requests.some((url) => url.startsWith(`${server.issuer}/playground/oauth2-redirect.html?`)),
        'the code came back to the registered redirect page',
      );
      assertLocalOnly(requests, problems);
      await context.close();
    });
  });
}
