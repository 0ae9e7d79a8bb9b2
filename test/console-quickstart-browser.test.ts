import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { systemActor } from '../src/admin/audit-log.js';
import { chromiumAvailable, launchChromium, SCREENSHOTS } from './helpers/chromium.js';
import { describedText, heading, settled, signedInConsole, textOf, unlabelledControls, type watchedPage } from './helpers/console-page.js';
import { startTestServer, type TestServer } from './helpers/server.js';
import { getWith, postForm } from './helpers/tokens.js';

/**
 * A client's page as a developer starts from it: quickstarts filled with the client's values (tabs used by keyboard,
 * copied by button), a test token that works at the demo API, the playground with the client filled in, and the
 * admin API's refusal of a field shown next to that field. Screenshots: test-artifacts/screenshots/quickstart-*.png.
 */

const ADMIN = { username: 'admin', password: 'Tq8#vLm2!pZr5wXe' };
const shot = (page: Page, name: string) => page.screenshot({ path: join(SCREENSHOTS, `quickstart-${name}.png`), fullPage: true });

if (chromiumAvailable()) {
  describe('quickstarts, test tokens and field errors on the client page (Chromium)', () => {
    let server: TestServer;
    let browser: Browser;
    let admin: Awaited<ReturnType<typeof watchedPage>>;
    let machine: { clientId: string; clientSecret: string };
    let web: { clientId: string };

    before(async () => {
      server = await startTestServer({ name: 'sqlite' });
      const { management } = server.server.gatehouse;
      await management.users.createUser({ ...ADMIN, roles: [await management.roles.ensureAdminRole()] });
      await management.roles.createRole({ name: 'reader', scopes: ['demo:read'] }, systemActor());
      machine = await server.createClient({ name: 'Reports', roles: ['reader'] });
      web = await server.createClient({
        name: 'Web shop',
        public: true,
        grantTypes: ['authorization_code', 'refresh_token'],
        redirectUris: ['http://localhost:3000/callback'],
      });
      browser = await launchChromium();
      admin = await signedInConsole(browser, server, ADMIN, { clipboard: true });
    });
    after(async () => {
      await admin?.context.close();
      await browser?.close();
      await server?.close();
    });

    test("a machine client's quickstarts: tabs by keyboard, its real values, the secret from the environment", async () => {
      const { page } = admin;
      await page.goto(`${server.url}/console/clients/${machine.clientId}`);
      await heading(page, 'Reports').waitFor();
      const tablist = page.getByRole('tablist', { name: 'Quickstart language' });
      const tabs = tablist.getByRole('tab');
      assert.deepEqual(await tabs.allTextContents(), ['curl', 'JavaScript (fetch)', 'Python (requests)']);
      const curl = page.getByRole('tabpanel', { name: 'curl' });
      const token = `${server.issuer}/oauth2/token`;
      assert.equal(
        await textOf(curl.locator('pre')),
        `curl -u "${machine.clientId}:$CLIENT_SECRET" \\ -d grant_type=client_credentials \\ --data-urlencode "scope=demo:read" \\ ${token}`,
      );
      assert.doesNotMatch(await textOf(page.locator('main')), new RegExp(machine.clientSecret), 'the secret is never on the page');

      // One tab stop; the arrow keys move between tabs and show theirs at once (WAI-ARIA tabs pattern).
      assert.deepEqual(await tabs.evaluateAll((all) => all.map((tab) => (tab as unknown as { tabIndex: number }).tabIndex)), [0, -1, -1]);
      await tabs.first().focus();
      await page.keyboard.press('ArrowRight');
      const fetchTab = tablist.getByRole('tab', { name: 'JavaScript (fetch)' });
      assert.equal(await fetchTab.getAttribute('aria-selected'), 'true');
      assert.equal(await page.evaluate('document.activeElement.textContent'), 'JavaScript (fetch)');
      const fetchPanel = page.getByRole('tabpanel', { name: 'JavaScript (fetch)' });
      assert.match(await textOf(fetchPanel), new RegExp(`${machine.clientId}:\\$\\{process\\.env\\.CLIENT_SECRET\\}`));
      assert.match(await textOf(fetchPanel), /grant_type: 'client_credentials', scope: 'demo:read'/);
      assert.equal(await curl.isHidden(), true, 'only the selected tab shows its panel');
      await page.keyboard.press('End');
      const python = page.getByRole('tabpanel', { name: 'Python (requests)' });
      assert.match(await textOf(python), new RegExp(`auth=\\("${machine.clientId}", os\\.environ\\["CLIENT_SECRET"\\]\\)`));
      await page.keyboard.press('ArrowRight');
      assert.equal(await tablist.getByRole('tab', { name: 'curl' }).getAttribute('aria-selected'), 'true', 'the arrows wrap around');

      const copy = curl.getByRole('button', { name: 'Copy curl quickstart' });
      await copy.click();
      await copy.getByText('Copied').waitFor();
      const copied = String(await page.evaluate('navigator.clipboard.readText()'));
      assert.match(copied, /^curl -u "[0-9a-f-]{36}:\$CLIENT_SECRET" \\\n/);
      // The snippet as copied, with the secret exported, gets a token.
      const form = Object.fromEntries(new URLSearchParams('grant_type=client_credentials&scope=demo:read'));
      assert.equal((await postForm(server, '/oauth2/token', form, machine)).status, 200);
      assert.deepEqual(await unlabelledControls(page), []);
      await shot(page, 'machine');
    });

    test('"Get a test token": the token, its claims and expiry, a demo API call that works with it', async () => {
      const { page } = admin;
      const card = page.getByRole('region', { name: 'Test token' });
      await card.getByRole('button', { name: 'Get a test token' }).click();
      const tokenField = card.getByRole('textbox', { name: 'Access token' });
      await tokenField.waitFor();
      const accessToken = await tokenField.inputValue();
      const items = await getWith(server, '/api/demo/items', `Bearer ${accessToken}`);
      assert.equal(items.status, 200, items.text);
      const claims = JSON.parse((await card.locator('pre').first().textContent()) ?? '{}') as Record<string, unknown>;
      assert.equal(claims.client_id, machine.clientId);
      assert.equal(claims.sub, machine.clientId);
      assert.equal(claims.scope, 'demo:read');
      assert.match(await textOf(card), /Expires .*Scopes: demo:read/);
      const demoCall = await textOf(card.locator('pre').nth(1));
      assert.equal(demoCall, `curl -H "Authorization: Bearer ${accessToken}" \\ ${server.issuer}/api/demo/items`);
      await shot(page, 'test-token');

      const playground = page.getByRole('link', { name: 'Try the demo API in the playground' });
      const link = `${server.issuer}/playground/?api=demo#client_id=${machine.clientId}&scope=demo%3Aread`;
      assert.equal(await playground.getAttribute('href'), link);
      const tab = await admin.context.newPage();
      const opened = await tab.goto(link);
      assert.equal(opened?.status(), 200, `${tab.url()}`);
      const id = tab.getByLabel('Client ID', { exact: true });
      await id.waitFor();
      await tab.screenshot({ path: join(SCREENSHOTS, 'quickstart-playground.png') });
      assert.equal(await id.inputValue(), machine.clientId, 'the playground has the client filled in');
      assert.equal(await tab.getByLabel('Client secret', { exact: true }).inputValue(), '');
      assert.equal(await tab.getByRole('checkbox', { name: /demo:read/ }).isChecked(), true, 'and the scope it may have ticked');
      await tab.close();
    });

    test("a sign-in app's openid-client quickstart, and a redirect URI refused next to its field", async () => {
      const { page } = admin;
      await page.goto(`${server.url}/console/clients/${web.clientId}`);
      await heading(page, 'Web shop').waitFor();
      const tablist = page.getByRole('tablist', { name: 'Quickstart language' });
      assert.deepEqual(await tablist.getByRole('tab').allTextContents(), ['openid-client (sign-in)']);
      const snippet = await textOf(page.getByRole('tabpanel', { name: 'openid-client (sign-in)' }).locator('pre'));
      for (const expected of [
        `new URL('${server.issuer}')`,
        `'${web.clientId}'`,
        'client.None()',
        "redirect_uri: 'http://localhost:3000/callback'",
        "code_challenge_method: 'S256'",
        'client.allowInsecureRequests',
      ]) {
        assert.ok(snippet.includes(expected), `${expected} in ${snippet}`);
      }
      assert.equal(await page.getByRole('region', { name: 'Test token' }).count(), 0, 'no test token without client_credentials');

      const redirects = page.getByLabel('Redirect URIs', { exact: true });
      await redirects.fill('localhost:3000/callback');
      await page.getByRole('button', { name: 'Save changes' }).click();
      await page.locator('.field-error').waitFor();
      assert.equal(await redirects.getAttribute('aria-invalid'), 'true');
      assert.match(
        await describedText(redirects),
        /Redirect URI "localhost:3000\/callback" has no scheme: did you mean "http:\/\/localhost:3000\/callback"\?/,
      );
      const focusedInvalid = () => page.evaluate('document.activeElement.getAttribute("aria-invalid")');
      assert.equal(await settled(focusedInvalid, (value) => value === 'true'), 'true', 'focus moves to the field');
      assert.equal(await page.getByRole('alert').count(), 0, 'the error is beside the field, not at the foot of the form');
      await shot(page, 'redirect-uri-error');
      assert.deepEqual((await server.server.gatehouse.management.clients.getClient(web.clientId)).redirect_uris, [
        'http://localhost:3000/callback',
      ]);
      assert.deepEqual(admin.problems, []);
    });
  });
}
