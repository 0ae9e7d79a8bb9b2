import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import * as client from 'openid-client';
import type { Browser, Page } from 'playwright-core';
import { systemActor } from '../src/admin/audit-log.js';
import { chromiumAvailable, launchChromium, SCREENSHOTS } from './helpers/chromium.js';
import { describedText, heading, signIn, textOf, watchedPage } from './helpers/console-page.js';
import { startTestServer, type TestServer } from './helpers/server.js';

const DEVELOPER = { username: 'tess', password: 'lighthouse quarry ninety' };
const CUSTOMER = { username: 'carol', password: 'marble violin eleven' };
const CALLBACK = 'http://localhost:3000/callback';
const shot = (page: Page, name: string) => page.screenshot({ path: join(SCREENSHOTS, `app-developer-${name}.png`), fullPage: true });

if (chromiumAvailable()) {
  describe("a third-party app developer in the platform's console (Chromium): a web app with a localhost redirect, and openid-client", () => {
    let server: TestServer;
    let browser: Browser;
    let issuer: string;

    before(async () => {
      server = await startTestServer({ name: 'sqlite' });
      const { platform, tenants, management } = server.server.gatehouse;
      // The developer is a person of the platform, a developer on the account "shop"; carol is one of shop's own users.
      const developer = await management.users.createUser({ ...DEVELOPER, name: 'Tess Developer' });
      await platform.tenants.create({ id: 'shop', name: 'Shop' }, systemActor());
      const shop = (await tenants.open('shop'))!;
      await shop.repositories.members.add(developer.id, 'developer');
      await shop.management.users.createUser({ ...CUSTOMER, name: 'Carol Customer', email: 'carol@shop.test' });
      issuer = shop.config.issuer;
      browser = await launchChromium();
    });
    after(async () => {
      await browser?.close();
      await server?.close();
    });

    test('the developer registers a web app with http://localhost:3000/callback and a person signs in to it through openid-client', async () => {
      const { page, problems } = await watchedPage(browser, server);
      await page.goto(`${server.url}/console/`);
      await signIn(page, DEVELOPER);
      // One account: the console opens it.
      await heading(page, 'API access').waitFor();
      assert.equal(new URL(page.url()).pathname, '/console/a/shop/clients');

      await page.getByRole('button', { name: 'Create app client' }).first().click();
      const dialog = page.getByRole('dialog', { name: 'Create app client' });
      await dialog.getByLabel('Name', { exact: true }).fill('Storefront');
      await dialog.getByRole('radio', { name: /Web application/ }).check();
      // Typed as a browser's address bar would take it: refused beside the field, with the fix.
      const redirects = dialog.getByLabel('Redirect URIs', { exact: true });
      await redirects.fill('localhost:3000');
      await dialog.getByRole('button', { name: 'Create', exact: true }).click();
      await dialog.locator('.field-error').waitFor();
      assert.equal(await redirects.getAttribute('aria-invalid'), 'true');
      assert.match(await describedText(redirects), /Redirect URI "localhost:3000" has no scheme: did you mean "http:\/\/localhost:3000"\?/);
      await shot(page, 'redirect-uri-refused');
      await redirects.fill(CALLBACK);
      await dialog.getByRole('button', { name: 'Create', exact: true }).click();
      const created = page.getByRole('dialog', { name: 'App client created' });
      await created.waitFor();
      const clientId = await created.getByRole('textbox', { name: 'Client ID', exact: true }).inputValue();
      const clientSecret = await created.getByRole('textbox', { name: 'Client secret', exact: true }).inputValue();
      await shot(page, 'web-app-created');
      await created.getByRole('button', { name: 'Done' }).click();
      await heading(page, 'Storefront').waitFor();
      assert.match(await textOf(page.getByRole('main')), /http:\/\/localhost:3000\/callback/);

      // The app: openid-client against the account's issuer, discovered from it.
      const config = await client.discovery(new URL(issuer), clientId, { client_secret: clientSecret }, client.ClientSecretBasic(), {
        execute: [client.allowInsecureRequests],
      });
      const verifier = client.randomPKCECodeVerifier();
      const state = client.randomState();
      const nonce = client.randomNonce();
      const authorizationUrl = client.buildAuthorizationUrl(config, {
        redirect_uri: CALLBACK,
        scope: 'openid profile email',
        code_challenge: await client.calculatePKCECodeChallenge(verifier),
        code_challenge_method: 'S256',
        state,
        nonce,
      });

      // A customer of the shop in their own browser: nothing listens on localhost:3000 here, so the browser's arrival
      // at the callback is caught, as the app's server would receive it.
      const customer = await browser.newContext();
      const person = await customer.newPage();
      let callback: URL | undefined;
      await person.route('http://localhost:3000/**', async (route) => {
        callback = new URL(route.request().url());
        await route.fulfill({ status: 200, contentType: 'text/html', body: '<!doctype html><title>Storefront</title><h1>Signed in</h1>' });
      });
      await person.goto(authorizationUrl.toString());
      await person.getByRole('heading', { name: 'Sign in', exact: true }).waitFor();
      assert.equal(new URL(person.url()).pathname, '/t/shop/login', "the shop's own sign-in page");
      await person.getByLabel('Username').fill(CUSTOMER.username);
      await person.getByLabel('Password').fill(CUSTOMER.password);
      await person.getByRole('button', { name: 'Sign in' }).click();
      await person.getByRole('button', { name: 'Allow' }).waitFor();
      assert.match(await textOf(person.getByRole('main')), /Storefront/);
      await shot(person, 'consent');
      await person.getByRole('button', { name: 'Allow' }).click();
      await person.getByRole('heading', { name: 'Signed in' }).waitFor();
      assert.ok(callback, 'the browser came back to the redirect URI');
      assert.equal(`${callback.origin}${callback.pathname}`, CALLBACK);
      assert.equal(callback.searchParams.get('iss'), issuer, 'RFC 9207: the response names the account');

      const tokens = await client.authorizationCodeGrant(config, callback, {
        pkceCodeVerifier: verifier,
        expectedState: state,
        expectedNonce: nonce,
        idTokenExpected: true,
      });
      const claims = tokens.claims()!;
      assert.equal(claims.iss, issuer);
      assert.equal(claims.aud, clientId);
      const info = await client.fetchUserInfo(config, tokens.access_token, claims.sub);
      assert.deepEqual([info.name, info.email], ['Carol Customer', 'carol@shop.test']);
      await customer.close();
      assert.deepEqual(problems, []);
    });
  });
}
