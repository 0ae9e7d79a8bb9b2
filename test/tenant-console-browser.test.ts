import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { systemActor } from '../src/admin/audit-log.js';
import type { TenantGatehouse } from '../src/gatehouse.js';
import { chromiumAvailable, launchChromium, SCREENSHOTS } from './helpers/chromium.js';
import { startTestServer, type TestServer } from './helpers/server.js';
import { createTenants } from './helpers/tenants.js';
import { postForm } from './helpers/tokens.js';

const ADMIN = { username: 'ada', password: 'correct horse battery' };
const shot = (page: Page, name: string) => page.screenshot({ path: join(SCREENSHOTS, `tenant-console-${name}.png`), fullPage: true });

if (chromiumAvailable()) {
  describe("a tenant's own console in a real browser (Chromium)", () => {
    let server: TestServer;
    let browser: Browser;
    let acme: TenantGatehouse;
    const problems: string[] = [];

    before(async () => {
      server = await startTestServer({ name: 'sqlite' });
      [acme] = (await createTenants(server, 'acme')) as [TenantGatehouse];
      // The same username in both tenants, each its own person with its own password.
      await acme.management.users.createUser({ ...ADMIN, name: 'Ada of Acme', roles: [await acme.management.roles.ensureAdminRole()] });
      const root = server.server.gatehouse.management;
      await root.users.createUser({
        username: ADMIN.username,
        password: 'another password entirely',
        roles: [await root.roles.ensureAdminRole()],
      });
      await acme.management.clients.createClient({ name: 'Acme billing' }, systemActor());
      await root.clients.createClient({ name: 'Root billing' }, systemActor());
      browser = await launchChromium();
    });
    after(async () => {
      await browser?.close();
      await server?.close();
    });

    test("acme's admin signs in at acme's pages, sees acme's clients only, and creates one that works at acme's token endpoint", async () => {
      const context = await browser.newContext({ viewport: { width: 1360, height: 880 } });
      const page = await context.newPage();
      page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
      page.on('console', (message) => {
        if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) problems.push(message.text());
      });
      await page.goto(`${server.url}/t/acme/console`);
      await page.getByRole('heading', { name: 'Sign in', exact: true }).waitFor();
      assert.equal(new URL(page.url()).pathname, '/t/acme/login', "the sign-in page is acme's");
      await page.getByLabel('Username').fill(ADMIN.username);
      await page.getByLabel('Password').fill(ADMIN.password);
      await page.getByRole('button', { name: 'Sign in' }).click();

      await page.getByRole('heading', { level: 1, name: 'API access', exact: true }).waitFor();
      assert.equal(new URL(page.url()).pathname, '/t/acme/console/clients');
      await page.getByText('Acme billing').waitFor();
      assert.equal(await page.getByText('Root billing').count(), 0, "the default tenant's client is not listed");
      assert.match((await page.getByRole('banner').textContent()) ?? '', /Ada of Acme/);
      assert.ok((await page.content()).includes(`${server.issuer}/t/acme`), "acme's issuer is shown");
      // The account's own authentication URL and the rest, each in a field with a copy button.
      const field = (name: string) => page.getByRole('textbox', { name, exact: true }).inputValue();
      assert.equal(await field('Authentication URL (token endpoint)'), `${server.issuer}/t/acme/oauth2/token`);
      assert.equal(await field('Authorization endpoint'), `${server.issuer}/t/acme/oauth2/authorize`);
      assert.equal(await field('Issuer'), `${server.issuer}/t/acme`);
      assert.equal(await field('Discovery'), `${server.issuer}/t/acme/.well-known/openid-configuration`);
      assert.equal(await field('JWKS (signing keys)'), `${server.issuer}/t/acme/.well-known/jwks.json`);
      await page.getByRole('button', { name: 'Copy authentication url (token endpoint)' }).waitFor();
      await shot(page, 'api-access');

      await page.getByRole('button', { name: 'Create app client' }).first().click();
      const dialog = page.getByRole('dialog', { name: 'Create app client' });
      await dialog.getByLabel('Name', { exact: true }).fill('Acme search');
      await dialog.getByRole('button', { name: 'Create', exact: true }).click();
      const created = page.getByRole('dialog', { name: 'App client created' });
      await created.waitFor();
      const clientId = await created.getByRole('textbox', { name: 'Client ID', exact: true }).inputValue();
      const clientSecret = await created.getByRole('textbox', { name: 'Client secret', exact: true }).inputValue();
      await shot(page, 'client-created');
      assert.equal((await acme.management.clients.getClient(clientId)).name, 'Acme search', "made in acme's store");
      await assert.rejects(server.server.gatehouse.management.clients.getClient(clientId), /no client/, 'and not in the default tenant');
      const token = await postForm(server, '/t/acme/oauth2/token', { grant_type: 'client_credentials' }, { clientId, clientSecret });
      assert.equal(token.status, 200, token.text);
      await created.getByRole('button', { name: 'Done' }).click();

      // The default tenant's console in the same browser is another sign-in: acme's session is nobody there.
      await page.goto(`${server.url}/console/`);
      await page.getByRole('heading', { name: 'Sign in', exact: true }).waitFor();
      assert.equal(new URL(page.url()).pathname, '/login');
      assert.deepEqual(problems, []);
      await context.close();
    });
  });
}
