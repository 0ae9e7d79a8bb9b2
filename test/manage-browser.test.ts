import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { systemActor } from '../src/admin/audit-log.js';
import { CHALLENGE } from './helpers/authorize.js';
import { chromiumAvailable, launchChromium, SCREENSHOTS } from './helpers/chromium.js';
import { authorizationUrl, REDIRECT_URI, webApp } from './helpers/code-flow.js';
import { heading, nav, signIn, unlabelledControls, watchedPage } from './helpers/console-page.js';
import { startTestServer, type TestServer } from './helpers/server.js';

const ADA = { username: 'ada', password: 'correct horse battery' };
const ORDERS = 'https://orders.example.test';

if (chromiumAvailable()) {
  describe('managing APIs and deleting in the console (Chromium)', () => {
    let server: TestServer;
    let browser: Browser;

    before(async () => {
      server = await startTestServer({ name: 'sqlite' });
      const { management } = server.server.gatehouse;
      await management.users.createUser({ ...ADA, roles: [await management.roles.ensureAdminRole()] });
      browser = await launchChromium();
    });
    after(async () => {
      await browser?.close();
      await server?.close();
    });

    test("an administrator registers an API with a scope's description, and the consent page shows that description", async () => {
      const { context, page, problems } = await watchedPage(browser, server);
      await page.goto(`${server.url}/console/clients`);
      await signIn(page, ADA);
      await nav(page, 'APIs').click();
      await heading(page, 'APIs').waitFor();
      await page.getByRole('button', { name: 'Register API' }).first().click();
      const dialog = page.getByRole('dialog', { name: 'Register API' });
      // What the page refuses before asking the server: an identifier that is not an absolute URI.
      await dialog.getByLabel('Identifier').fill('orders.example.test');
      await dialog.getByRole('button', { name: 'Register API' }).click();
      await dialog.getByText('An identifier is an absolute URI').waitFor();
      await dialog.getByLabel('Identifier').fill(ORDERS);
      await dialog.getByLabel('Name').fill('Orders');
      await dialog.getByLabel('Scope 1', { exact: true }).fill('orders:read');
      await dialog.getByLabel('Description of scope 1').fill('Read your orders');
      await dialog.getByRole('button', { name: 'Add scope' }).click();
      await dialog.getByLabel('Scope 2', { exact: true }).fill('orders:write');
      await page.screenshot({ path: join(SCREENSHOTS, 'console-api-register.png'), fullPage: true });
      await dialog.getByRole('button', { name: 'Register API' }).click();
      await page.getByText('API "Orders" registered.').waitFor();
      const row = page.getByRole('row').filter({ hasText: ORDERS });
      assert.match((await row.textContent()) ?? '', /orders:read\s*Read your orders/);
      await page.screenshot({ path: join(SCREENSHOTS, 'console-apis.png'), fullPage: true });
      assert.deepEqual(await unlabelledControls(page), []);
      await page.setViewportSize({ width: 420, height: 880 });
      await page.screenshot({ path: join(SCREENSHOTS, 'console-apis-420.png'), fullPage: true });
      await page.setViewportSize({ width: 1360, height: 880 });
      const stored = (await server.server.gatehouse.management.apis.listApis()).items.find((api) => api.identifier === ORDERS);
      assert.deepEqual(stored?.scopes, ['orders:read', 'orders:write']);
      assert.deepEqual(stored?.scope_descriptions, { 'orders:read': 'Read your orders' });

      // ada, signed in, is asked by an app for the orders API: the consent page says what orders:read lets it do.
      const app = await webApp(server, 'Order tracker', { scopes: ['orders:read', 'orders:write'] });
      const authorize = authorizationUrl(server, {
        client_id: app.clientId,
        response_type: 'code',
        redirect_uri: REDIRECT_URI,
        scope: 'orders:read orders:write',
        resource: ORDERS,
        state: 'xyz',
        code_challenge: CHALLENGE,
        code_challenge_method: 'S256',
      });
      await page.goto(authorize.href);
      await page.getByRole('heading', { name: 'Order tracker wants to access your account' }).waitFor();
      const scopes = page.locator('ul.scopes li');
      assert.deepEqual(await scopes.allTextContents(), ['orders:readRead your orders', 'orders:writeUse the permission "orders:write"']);
      assert.match((await page.locator('.consent-api').textContent()) ?? '', /Orders/);
      await page.screenshot({ path: join(SCREENSHOTS, 'consent-scope-description.png'), fullPage: true });
      assert.deepEqual(problems, []);
      await context.close();
    });

    test('deleting a role: the dialog names the clients and users that lose its scopes, and they do', async () => {
      const { management } = server.server.gatehouse;
      await management.roles.createRole({ name: 'query', scopes: ['corpora:query'] }, systemActor());
      const clients = await Promise.all(
        ['Indexer', 'Search UI', 'Reports'].map((name) =>
          management.clients.createClient({ name, roles: name === 'Reports' ? [] : ['query'] }, systemActor()),
        ),
      );
      const bob = await management.users.createUser({ username: 'bob', password: 'staple battery horse', roles: ['query'] });

      const { context, page, problems } = await watchedPage(browser, server);
      await page.goto(`${server.url}/console/roles`);
      await signIn(page, ADA);
      await heading(page, 'Roles & scopes').waitFor();
      // The built-in admin role has no Delete, and says why.
      const adminRow = page.getByRole('row').filter({ hasText: /^admin/ });
      await adminRow.getByText('Built-in: cannot be deleted').waitFor();
      await page.getByRole('button', { name: 'Delete role query' }).click();
      const dialog = page.getByRole('alertdialog', { name: 'Delete role query?' });
      await dialog.getByText('2 app clients and 1 user lose corpora:query.').waitFor();
      await page.screenshot({ path: join(SCREENSHOTS, 'console-role-delete.png'), fullPage: true });
      await dialog.getByRole('button', { name: 'Delete role' }).click();
      await page.getByText('Role "query" deleted; 2 app clients and 1 user lose corpora:query.').waitFor();
      // The list is read again after the deletion: the role's row goes when it arrives.
      await page.getByRole('row').filter({ hasText: 'corpora:query' }).first().waitFor({ state: 'detached' });

      assert.equal(
        (await management.roles.listRoles()).items.find((role) => role.name === 'query'),
        undefined,
      );
      for (const { client } of clients) assert.deepEqual((await management.clients.getClient(client.client_id)).roles, []);
      assert.deepEqual((await management.users.getUser(bob.id)).roles, []);
      assert.deepEqual(problems, []);
      await context.close();
    });

    test("the last administrator's page has Disable and Delete off with the reason; another user is deleted after the dialog", async () => {
      const { management } = server.server.gatehouse;
      const carol = await management.users.createUser({ username: 'carol', password: 'staple battery horse kite' });
      const ada = (await management.users.getUser('ada')).id;
      const { context, page, problems } = await watchedPage(browser, server);
      await page.goto(`${server.url}/console/users/${ada}`);
      await signIn(page, ADA);
      await heading(page, 'ada').waitFor();
      await page.getByText('"ada" is the last active administrator').first().waitFor();
      assert.equal(await page.getByRole('button', { name: 'Disable user' }).isDisabled(), true);
      assert.equal(await page.getByRole('button', { name: 'Delete user' }).isDisabled(), true);
      await page.screenshot({ path: join(SCREENSHOTS, 'console-user-last-admin.png'), fullPage: true });

      await page.goto(`${server.url}/console/users/${carol.id}`);
      await heading(page, 'carol').waitFor();
      // The profile claims, changed here.
      await page.getByLabel('Name (optional)').fill('Carol Jones');
      await page.getByLabel('Email (optional)').fill('carol@example.test');
      await page.getByRole('button', { name: 'Save profile' }).click();
      await page.getByText('Profile saved.').waitFor();
      const saved = await management.users.getUser(carol.id);
      assert.deepEqual([saved.name, saved.email, saved.email_verified], ['Carol Jones', 'carol@example.test', false]);
      // A weak password is refused with the policy's words, next to the field.
      await page.getByLabel('New password').fill('password');
      await page.getByRole('button', { name: 'Set password' }).click();
      await page
        .getByText(/common password|too easy|guess/i)
        .first()
        .waitFor();
      await page.screenshot({ path: join(SCREENSHOTS, 'console-user-profile.png'), fullPage: true });

      await page.getByRole('button', { name: 'Delete user' }).click();
      const dialog = page.getByRole('alertdialog', { name: 'Delete user carol?' });
      await dialog.getByText('Nothing else goes with it.').waitFor();
      await dialog.getByRole('button', { name: 'Delete user' }).click();
      await heading(page, 'Users').waitFor();
      await assert.rejects(management.users.getUser(carol.id), /no user/);
      assert.deepEqual(problems, []);
      await context.close();
    });
  });
}
