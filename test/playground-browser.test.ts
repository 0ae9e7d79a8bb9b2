import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser, Locator, Page, Request } from 'playwright-core';
import { systemActor } from '../src/admin/audit-log.js';
import { CATALOG_SCOPES, type CatalogApi, catalogOpenApi, startCatalogApi } from './helpers/catalog-api.js';
import { chromiumAvailable, launchChromium, SCREENSHOTS } from './helpers/chromium.js';
import { unlabelledControls } from './helpers/console-page.js';
import { assertUsable } from './helpers/page-checks.js';
import { startTestServer, type TestServer } from './helpers/server.js';
import { createTenants } from './helpers/tenants.js';
import { type Credentials, claimsFor, signWithServerKey, tokenFor } from './helpers/tokens.js';

const shot = (page: Page, name: string, fullPage = true) =>
  page.screenshot({ path: join(SCREENSHOTS, `playground-${name}.png`), fullPage });

const USER = { username: 'ada', password: 'correct horse battery' };
const ORDERS = 'https://orders.acme.test/api';
const REFERENCE = 'https://reference.example.test';
const smallDocument = (title: string, operationId: string) => ({
  openapi: '3.1.0',
  info: { title, version: '1.0.0' },
  paths: { '/items': { get: { operationId, responses: { '200': { description: 'OK' } } } } },
});

/**
 * A fresh browser context that records every request any of its pages makes (the playground and its sign-in
 * popup), every answer of 400 or more, every console error or Content-Security-Policy report, and every page error.
 */
async function recordingContext(browser: Browser, viewport = { width: 1280, height: 900 }) {
  const context = await browser.newContext({ viewport });
  const requests: Request[] = [];
  const problems: string[] = [];
  // The request event sees redirects; routing sees a popup's first navigation, which the event may miss.
  context.on('request', (request) => requests.push(request));
  await context.route('**/*', (route) => {
    requests.push(route.request());
    return route.continue();
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
    // A Basic challenge would make the browser open its own sign-in prompt: Playwright reports it as a dialog.
    page.on('dialog', (dialog) => {
      problems.push(`dialog: ${dialog.message()}`);
      void dialog.dismiss();
    });
  });
  return { context, requests, problems };
}

/** The value of a name in one of the page's name–value lists (the token's claims, a challenge, the headers). */
const listed = (scope: Page | Locator, name: string): Locator =>
  scope.locator(`xpath=.//div[contains(@class, "pg-claim")][dt[normalize-space() = "${name}"]]/dd`);

/** Opens the operation (its disclosure), sends it with the token in use, and returns the answer as shown. */
async function send(page: Page, operationId: string, fill: Record<string, string> = {}) {
  const operation = page.locator('details.pg-operation').filter({ hasText: operationId });
  if ((await operation.getAttribute('open')) === null) await operation.locator('summary').click();
  for (const [label, value] of Object.entries(fill)) await operation.getByLabel(label).fill(value);
  const answered = page.waitForResponse((response) => response.request().method() !== 'OPTIONS' && /\/catalog\//.test(response.url()));
  await operation.getByRole('button', { name: 'Send API Request' }).click();
  await answered;
  const response = operation.locator('.pg-response');
  await response.waitFor();
  return {
    operation,
    status: (await response.locator('.pg-status').innerText()).trim(),
    body: await response.locator('pre').innerText(),
  };
}

/** The decoded claims as the page lists them. */
async function claims(page: Page): Promise<Record<string, string>> {
  const rows = page.locator('.pg-token-parts .pg-claim');
  await rows.first().waitFor();
  const entries: [string, string][] = [];
  for (const row of await rows.all()) entries.push([await row.locator('dt').innerText(), await row.locator('dd').innerText()]);
  return Object.fromEntries(entries);
}

if (chromiumAvailable()) {
  describe('the API playground page in a real browser (Chromium), with the Catalog API on its own port', () => {
    let server: TestServer;
    let browser: Browser;
    let catalog: CatalogApi;
    /** The same service, allowing only another origin by CORS: its answers are kept from the page. */
    let closed: CatalogApi;
    let origin: string;
    let reader: Credentials;
    /** The playground's address for the Catalog API. */
    let catalogPage: string;

    before(async () => {
      server = await startTestServer({ name: 'sqlite' });
      origin = new URL(server.url).origin;
      catalog = await startCatalogApi({ issuer: server.issuer, origins: [origin] });
      const { management, platform } = server.server.gatehouse;
      await management.apis.createApi(
        {
          identifier: catalog.identifier,
          name: 'Catalog API',
          scopes: [CATALOG_SCOPES.read, CATALOG_SCOPES.write],
          scopeDescriptions: { [CATALOG_SCOPES.read]: 'List and read corpora', [CATALOG_SCOPES.write]: 'Create corpora' },
          openapi: catalogOpenApi(catalog.identifier, server.issuer),
        },
        systemActor(),
      );
      await server.createRole('catalog-reader', [CATALOG_SCOPES.read]);
      reader = await server.createClient({ name: 'Catalog reader', roles: ['catalog-reader'] });
      await management.users.createUser({ ...USER, name: 'Ada Reader', roles: ['catalog-reader'] });
      await platform.apis.createApi(
        { identifier: REFERENCE, name: 'Reference', scopes: ['reference:read'], openapi: smallDocument('Reference API', 'ListReferences') },
        systemActor(),
      );
      const [acme] = await createTenants(server, 'acme');
      await acme!.management.apis.createApi(
        { identifier: ORDERS, name: 'Orders', scopes: ['orders:read'], openapi: smallDocument('Orders API', 'ListOrders') },
        systemActor(),
      );
      closed = await startCatalogApi({ issuer: server.issuer, origins: ['https://elsewhere.example'] });
      await management.apis.createApi(
        {
          identifier: closed.identifier,
          name: 'Closed catalog',
          scopes: ['closed:read'],
          openapi: { ...catalogOpenApi(closed.identifier, server.issuer), info: { title: 'Closed catalog', version: '1.0.0' } },
        },
        systemActor(),
      );
      catalogPage = `${server.url}/playground/?api=${encodeURIComponent(catalog.identifier)}`;
      browser = await launchChromium();
    });
    after(async () => {
      await browser?.close();
      await catalog?.close();
      await closed?.close();
      await server?.close();
    });

    /** Every request went to this server or the Catalog API; nothing failed but the answers the test expected. */
    const assertContained = (requests: Request[], problems: string[], expected: RegExp[] = []) => {
      assert.ok(requests.length > 0);
      const allowed = new Set([origin, new URL(catalog.identifier).origin, new URL(closed.identifier).origin]);
      const elsewhere = requests.map((request) => request.url()).filter((url) => !allowed.has(new URL(url).origin));
      assert.deepEqual(elsewhere, [], 'the pages reached no origin but the server and the selected API');
      assert.deepEqual(
        problems.filter((problem) => !expected.some((pattern) => pattern.test(problem))),
        [],
        'no errors, CSP violations or browser prompts',
      );
    };

    test('client credentials with the app client the console link names: aud is the API, the secret only in the body; ListCorpora 200', async () => {
      const { context, requests, problems } = await recordingContext(browser);
      const page = await context.newPage();
      await page.goto(`${catalogPage}#client_id=${encodeURIComponent(reader.clientId)}&scope=${encodeURIComponent(CATALOG_SCOPES.read)}`);
      await page.getByRole('heading', { level: 1, name: 'API playground' }).waitFor();
      assert.equal(await page.getByRole('combobox', { name: 'API', exact: true }).inputValue(), catalog.identifier);
      assert.equal(await page.getByRole('tab', { name: 'App client' }).getAttribute('aria-selected'), 'true');
      assert.equal(await page.getByLabel('Client ID').inputValue(), reader.clientId, 'the fragment fills the client ID');
      assert.equal(await page.getByRole('checkbox', { name: /corpora:read/ }).isChecked(), true, 'and ticks its scopes');
      assert.equal(await page.getByRole('checkbox', { name: /corpora:write/ }).isChecked(), false);
      await page.locator('details.pg-operation').first().waitFor();
      await shot(page, '01-app-client');

      await page.getByLabel('Client secret').fill(reader.clientSecret);
      const tokenAnswer = page.waitForResponse(`${server.issuer}/oauth2/token`);
      await page.getByRole('button', { name: 'Get token' }).click();
      const answer = await tokenAnswer;
      assert.equal(answer.status(), 200);
      const request = answer.request();
      assert.equal(request.headers().authorization, undefined, 'no HTTP Basic: its failure would bring a browser prompt');
      assert.equal(request.headers()['content-type'], 'application/x-www-form-urlencoded');
      assert.deepEqual(Object.fromEntries(new URLSearchParams(request.postData() ?? '')), {
        grant_type: 'client_credentials',
        client_id: reader.clientId,
        client_secret: reader.clientSecret,
        scope: CATALOG_SCOPES.read,
        resource: catalog.identifier,
      });
      const { access_token } = (await answer.json()) as { access_token: string };
      assert.equal(await page.getByLabel('Bearer Token', { exact: true }).inputValue(), access_token, 'the token is the one in use');
      const decoded = await claims(page);
      assert.equal(decoded.aud, catalog.identifier);
      assert.equal(decoded.scope, CATALOG_SCOPES.read);
      assert.equal(decoded.client_id, reader.clientId);
      assert.match(decoded.exp!, /^\d+ \(/, 'exp, with its date');
      assert.match(await page.locator('.pg-expiry').innerText(), /^Expires in (29:5\d|30:00)$/);
      assert.match(
        await page.getByText(/Tokens are secrets/).innerText(),
        /do not paste them into public places \(issues, chats, screenshots\)/,
      );
      assert.equal(await page.getByRole('button', { name: 'Copy token' }).count(), 1);
      await shot(page, '02-token');

      const list = await send(page, 'ListCorpora');
      assert.equal(list.status, '200');
      assert.deepEqual(JSON.parse(list.body), {
        corpora: [
          { id: 'news-en', name: 'News articles', language: 'en' },
          { id: 'court-de', name: 'Court rulings', language: 'de' },
        ],
      });
      assert.match(await listed(list.operation, 'content-type').innerText(), /^application\/json/);
      const call = requests.find((sent) => sent.url() === `${catalog.identifier}/corpora` && sent.method() === 'GET')!;
      assert.equal(call.headers().authorization, `Bearer ${access_token}`);
      assert.equal(call.headers().cookie, undefined);
      await list.operation.scrollIntoViewIfNeeded();
      await shot(page, '03-list-corpora-200', false);

      // The tokens live in memory: nothing in the page's storage, no cookie of the playground's.
      assert.deepEqual(await page.evaluate('[localStorage.length, sessionStorage.length]'), [0, 0]);
      assert.deepEqual(
        (await context.cookies()).filter((cookie) => cookie.value.includes(access_token)),
        [],
      );
      assertContained(requests, problems);
      await context.close();
    });

    test('a wrong client secret: the refusal in words in the page, no prompt, no token', async () => {
      const { context, requests, problems } = await recordingContext(browser);
      const page = await context.newPage();
      await page.goto(`${catalogPage}#client_id=${encodeURIComponent(reader.clientId)}`);
      await page.getByLabel('Client secret').fill('gate_cs_not-the-secret');
      const tokenAnswer = page.waitForResponse(`${server.issuer}/oauth2/token`);
      await page.getByRole('button', { name: 'Get token' }).click();
      const answer = await tokenAnswer;
      assert.equal(answer.status(), 401);
      assert.equal(await answer.headerValue('www-authenticate'), null, 'no Basic challenge for credentials in the body');
      const alert = page.getByRole('alert');
      await alert.waitFor();
      assert.match(
        await alert.innerText(),
        /The client ID or secret is wrong, or the client was revoked\.\s+The server said: client authentication failed/,
      );
      assert.equal(await page.getByLabel('Bearer Token', { exact: true }).inputValue(), '');
      assert.equal(await page.locator('.pg-token-parts').count(), 0, 'no token shown');
      assert.equal(await page.getByRole('button', { name: 'Get token' }).isEnabled(), true, 'ready for another try');
      await shot(page, '04-wrong-secret');

      // The right secret, and a scope its roles do not give it: that refusal in words too.
      await page.getByLabel('Client secret').fill(reader.clientSecret);
      await page.getByRole('checkbox', { name: /corpora:write/ }).check();
      const scopeAnswer = page.waitForResponse(`${server.issuer}/oauth2/token`);
      await page.getByRole('button', { name: 'Get token' }).click();
      assert.equal((await scopeAnswer).status(), 400);
      await page.getByRole('alert').filter({ hasText: 'may not have' }).waitFor();
      assert.match(
        await page.getByRole('alert').innerText(),
        /^The client may not have the scope corpora:write: its roles do not allow it/,
      );
      assert.equal(await page.getByLabel('Bearer Token', { exact: true }).inputValue(), '');
      assertContained(requests, problems, [/40[01] POST .*\/oauth2\/token$/, /status of 40[01]/]);
      await context.close();
    });

    test('sign in: authorization code + PKCE in the popup, the token in Bearer Token, then GetCorpus and ListCorpora 200', async () => {
      const { context, requests, problems } = await recordingContext(browser);
      const page = await context.newPage();
      await page.goto(catalogPage);
      await page.getByRole('tab', { name: 'App client' }).focus();
      // The tabs work by keyboard: the right arrow selects the next one.
      await page.keyboard.press('ArrowRight');
      assert.equal(await page.getByRole('tab', { name: 'Sign in' }).getAttribute('aria-selected'), 'true');
      await page.getByRole('checkbox', { name: /corpora:write/ }).uncheck();
      const popupOpened = page.waitForEvent('popup');
      await page.getByRole('button', { name: 'Sign in and get a token' }).click();
      const popup = await popupOpened;
      await popup.getByLabel('Username').waitFor();
      const authorize = new URL(popup.url());
      const sent = requests.map((request) => new URL(request.url())).find((url) => url.pathname === '/oauth2/authorize')!;
      assert.equal(authorize.origin, origin);
      assert.deepEqual(
        {
          response_type: sent.searchParams.get('response_type'),
          client_id: sent.searchParams.get('client_id'),
          redirect_uri: sent.searchParams.get('redirect_uri'),
          scope: sent.searchParams.get('scope'),
          resource: sent.searchParams.get('resource'),
          method: sent.searchParams.get('code_challenge_method'),
        },
        {
          response_type: 'code',
          client_id: 'gatehouse-playground',
          redirect_uri: `${server.issuer}/playground/callback`,
          scope: `openid ${CATALOG_SCOPES.read}`,
          resource: catalog.identifier,
          method: 'S256',
        },
      );
      assert.match(sent.searchParams.get('code_challenge') ?? '', /^[A-Za-z0-9_-]{43}$/);
      await popup.getByLabel('Username').fill(USER.username);
      await popup.getByLabel('Password').fill(USER.password);
      await shot(popup, '05-sign-in-popup');
      const closed = popup.waitForEvent('close');
      const tokenAnswer = page.waitForResponse(`${server.issuer}/oauth2/token`);
      await popup.getByRole('button', { name: 'Sign in' }).click();
      await closed;
      const answer = await tokenAnswer;
      assert.equal(answer.status(), 200);
      const form = Object.fromEntries(new URLSearchParams(answer.request().postData() ?? ''));
      assert.equal(answer.request().headers().authorization, undefined);
      assert.deepEqual(Object.keys(form).sort(), ['client_id', 'code', 'code_verifier', 'grant_type', 'redirect_uri', 'resource']);
      assert.deepEqual(
        [form.grant_type, form.client_id, form.resource],
        ['authorization_code', 'gatehouse-playground', catalog.identifier],
      );
      const { access_token } = (await answer.json()) as { access_token: string };
      assert.equal(await page.getByLabel('Bearer Token', { exact: true }).inputValue(), access_token);
      const decoded = await claims(page);
      assert.equal(decoded.aud, catalog.identifier);
      assert.equal(decoded.client_id, 'gatehouse-playground');
      // openid was asked for (the sign-in itself); the access token for the API carries the API's scopes.
      assert.equal(decoded.scope, CATALOG_SCOPES.read);
      assert.ok(
        requests.some((request) => request.url().startsWith(`${server.issuer}/playground/callback?code=`)),
        'the code came back to the callback page',
      );

      const one = await send(page, 'GetCorpus', { id: 'news-en' });
      assert.equal(one.status, '200');
      assert.deepEqual(JSON.parse(one.body), { id: 'news-en', name: 'News articles', language: 'en' });
      assert.match(await one.operation.innerText(), new RegExp(`Sent GET ${catalog.identifier}/corpora/news-en with the token`));
      const list = await send(page, 'ListCorpora');
      assert.equal(list.status, '200');
      await shot(page, '06-signed-in-get-corpus');
      assertContained(requests, problems);
      await context.close();
    });

    test('a pasted token: it is the one sent, decoded the same; ListCorpora 200', async () => {
      const token = await tokenFor(server, reader, { resource: catalog.identifier });
      const { context, requests, problems } = await recordingContext(browser);
      const page = await context.newPage();
      await page.goto(catalogPage);
      await page.getByRole('tab', { name: 'Paste a token' }).click();
      await page.getByLabel('Bearer Token', { exact: true }).fill(token);
      assert.equal((await claims(page)).aud, catalog.identifier);
      const list = await send(page, 'ListCorpora');
      assert.equal(list.status, '200');
      assert.equal(JSON.parse(list.body).corpora.length, 2);
      // An opaque token is used as it is, only not decoded.
      await page.getByLabel('Bearer Token', { exact: true }).fill('gate_at_not-a-jwt');
      await page.getByText(/not a JWT \(an opaque token\)/).waitFor();

      // The countdown reaches "Expired", which (alone) is announced.
      const claimsOf = (exp: number) => claimsFor(server, reader.clientId, { aud: catalog.identifier, scope: CATALOG_SCOPES.read, exp });
      const now = Math.floor(Date.now() / 1000);
      await page.getByLabel('Bearer Token', { exact: true }).fill(await signWithServerKey(server, claimsOf(now + 2)));
      assert.match(await page.locator('.pg-expiry').innerText(), /^Expires in 0:0[0-2]$/);
      assert.equal(await page.locator('[aria-live="polite"]', { hasText: 'expired' }).count(), 0);
      await page.locator('.pg-expiry', { hasText: /^Expired$/ }).waitFor({ timeout: 5000 });
      assert.equal(await page.locator('[aria-live="polite"]', { hasText: 'The token has expired.' }).count(), 1);
      assert.equal(await page.locator('.pg-expiry').getAttribute('aria-live'), null, 'the ticking itself is not announced');
      // Expired beyond the API's leeway: 401, and the challenge says why.
      await page.getByLabel('Bearer Token', { exact: true }).fill(await signWithServerKey(server, claimsOf(now - 60)));
      const refused = await send(page, 'ListCorpora');
      assert.equal(refused.status, '401');
      assert.match(await refused.operation.locator('.pg-challenge-words').innerText(), /^The API refused the token: it is expired/);
      assert.equal(await listed(refused.operation.locator('.pg-challenge'), 'error').innerText(), 'invalid_token');
      assertContained(requests, problems, [/^401 GET .*\/catalog\/corpora$/, /status of 401/]);
      await context.close();
    });

    test('an API that does not allow the playground by CORS: the page says it could not reach it, and why', async () => {
      const token = await tokenFor(server, reader, { resource: catalog.identifier });
      const { context, requests, problems } = await recordingContext(browser);
      const page = await context.newPage();
      await page.goto(`${server.url}/playground/?api=${encodeURIComponent(closed.identifier)}`);
      await page.getByLabel('Bearer Token', { exact: true }).fill(token);
      const operation = page.locator('details.pg-operation').filter({ hasText: 'ListCorpora' });
      await operation.locator('summary').click();
      await operation.getByRole('button', { name: 'Send API Request' }).click();
      const alert = operation.getByRole('alert');
      await alert.waitFor();
      assert.equal(
        await alert.innerText(),
        `Could not reach ${new URL(closed.identifier).origin}: the API is not running there, or it does not allow this page's origin (${origin}) by CORS.`,
      );
      assert.equal(await operation.getByRole('button', { name: 'Send API Request' }).isEnabled(), true);
      assertContained(requests, problems, [/blocked by CORS policy/, /Failed to load resource: net::ERR_FAILED/]);
      await context.close();
    });

    test('a token without corpora:write: CreateCorpus is 403 and its challenge is shown decoded, in words', async () => {
      const token = await tokenFor(server, reader, { resource: catalog.identifier, scope: CATALOG_SCOPES.read });
      const { context, requests, problems } = await recordingContext(browser);
      const page = await context.newPage();
      await page.goto(catalogPage);
      await page.getByLabel('Bearer Token', { exact: true }).fill(token);
      const operation = page.locator('details.pg-operation').filter({ hasText: 'CreateCorpus' });
      await operation.locator('summary').click();
      const body = operation.getByLabel(/Request body/);
      await body.waitFor();
      assert.match(await operation.innerText(), /Token scopes it asks for:\s*corpora:write/);
      assert.deepEqual(JSON.parse(await body.inputValue()), { name: 'string', language: 'string' }, 'a skeleton of NewCorpus');
      await body.fill(JSON.stringify({ name: 'Poetry', language: 'fr' }));
      const created = await send(page, 'CreateCorpus');
      assert.equal(created.status, '403');
      const challenge = created.operation.locator('.pg-challenge');
      assert.equal(
        await challenge.locator('.pg-challenge-words').innerText(),
        'The token lacks the scope corpora:write that this operation needs.',
      );
      assert.equal(await listed(challenge, 'scheme').innerText(), 'Bearer');
      assert.equal(await listed(challenge, 'realm').innerText(), 'catalog');
      assert.equal(await listed(challenge, 'error').innerText(), 'insufficient_scope');
      assert.equal(await listed(challenge, 'scope').innerText(), CATALOG_SCOPES.write);
      assert.equal(await listed(challenge, 'resource_metadata').innerText(), catalog.metadataUrl);
      assert.ok((await listed(challenge, 'error_description').innerText()).length > 0);
      await created.operation.scrollIntoViewIfNeeded();
      await shot(page, '07-create-corpus-403', false);
      assertContained(requests, problems, [/^403 POST .*\/catalog\/corpora$/, /status of 403/]);
      await context.close();
    });

    test("a tenant's playground lists its own API and the platform's, not the default tenant's", async () => {
      const { context, requests, problems } = await recordingContext(browser);
      const page = await context.newPage();
      await page.goto(`${server.url}/t/acme/playground/`);
      const picker = page.getByRole('combobox', { name: 'API', exact: true });
      await picker.waitFor();
      const groups = await picker.evaluate((select) =>
        [...select.querySelectorAll('optgroup')].map((group) => [
          group.label,
          [...group.querySelectorAll('option')].map((option) => option.value),
        ]),
      );
      assert.deepEqual(groups, [
        ['Gatehouse', ['gatehouse', 'demo']],
        ["This account's APIs", [ORDERS]],
        ['Platform APIs', [REFERENCE]],
      ]);
      assert.equal(await page.getByRole('option', { name: /Catalog API/ }).count(), 0);
      // Its own endpoints, under its base.
      await page.locator('details.pg-operation').first().waitFor();
      assert.match(await page.locator('.pg-details').innerText(), new RegExp(`${server.issuer}/t/acme`));
      // Choosing another API does not reload the page under the keyboard; its button opens it.
      await picker.selectOption(ORDERS);
      assert.equal(page.url(), `${server.url}/t/acme/playground/`);
      const loaded = page.waitForURL(`${server.url}/t/acme/playground/?api=${encodeURIComponent(ORDERS)}`);
      await page.getByRole('button', { name: 'Open this API' }).click();
      await loaded;
      await page.locator('details.pg-operation').filter({ hasText: 'ListOrders' }).waitFor();
      assert.equal(await page.getByRole('combobox', { name: 'API', exact: true }).inputValue(), ORDERS);
      await shot(page, '08-tenant-orders');
      assertContained(requests, problems);
      await context.close();
    });

    test('usable by everyone: axe-core clean at 420 and 1280 px, light and dark, nothing scrolls sideways, all labelled', async () => {
      const token = await tokenFor(server, reader, { resource: catalog.identifier, scope: CATALOG_SCOPES.read });
      const { context, requests, problems } = await recordingContext(browser, { width: 420, height: 900 });
      const page = await context.newPage();
      await page.goto(catalogPage);
      await page.getByLabel('Bearer Token', { exact: true }).fill(token);
      await send(page, 'ListCorpora');
      const refused = await send(page, 'CreateCorpus');
      assert.equal(refused.status, '403');
      const getCorpus = page.locator('details.pg-operation').filter({ hasText: 'GetCorpus' });
      await getCorpus.locator('summary').click();
      await getCorpus.getByRole('button', { name: 'Send API Request' }).waitFor();
      for (const scheme of ['light', 'dark'] as const) {
        for (const size of [
          { width: 420, height: 900 },
          { width: 1280, height: 900 },
        ]) {
          await page.setViewportSize(size);
          await page.emulateMedia({ colorScheme: scheme });
          // The buttons' colours change with a short transition: axe-core reads them once it has run.
          await page.evaluate('Promise.all(document.getAnimations().map((animation) => animation.finished.catch(() => undefined)))');
          await assertUsable(page, 'the playground', scheme);
          assert.deepEqual(await unlabelledControls(page), []);
          await shot(page, `09-${scheme}-${size.width}`);
        }
      }
      // The gatehouse entry's form-encoded token operation passes too, and works.
      await page.goto(`${server.url}/playground/`);
      const tokenOperation = page.locator('details.pg-operation').filter({ hasText: '/oauth2/token' }).first();
      await tokenOperation.locator('summary').click();
      // A form-encoded body: a field per property, sent as a form, without the bearer token (the endpoint takes none).
      await tokenOperation.getByLabel(/^grant_type/).fill('client_credentials');
      await tokenOperation.getByLabel(/^client_id/).fill(reader.clientId);
      await tokenOperation.getByLabel(/^client_secret/).fill(reader.clientSecret);
      await tokenOperation.getByLabel(/^resource/).fill(catalog.identifier);
      const issued = page.waitForResponse(`${server.issuer}/oauth2/token`);
      await tokenOperation.getByRole('button', { name: 'Send API Request' }).click();
      const tokenAnswer = await issued;
      assert.equal(tokenAnswer.status(), 200);
      assert.equal(tokenAnswer.request().headers().authorization, undefined);
      assert.deepEqual(Object.fromEntries(new URLSearchParams(tokenAnswer.request().postData() ?? '')), {
        grant_type: 'client_credentials',
        client_id: reader.clientId,
        client_secret: reader.clientSecret,
        resource: catalog.identifier,
      });
      assert.equal((await tokenOperation.locator('.pg-status').innerText()).trim(), '200');
      assert.match(await tokenOperation.locator('.pg-response pre').innerText(), /"token_type": "Bearer"/);
      await page.setViewportSize({ width: 420, height: 900 });
      await tokenOperation.scrollIntoViewIfNeeded();
      await shot(page, '10-gatehouse-entry-dark-420', false);
      await assertUsable(page, "the playground's Gatehouse entry", 'dark');
      assertContained(requests, problems, [/^403 POST .*\/catalog\/corpora$/, /status of 403/]);
      await context.close();
    });
  });
}
