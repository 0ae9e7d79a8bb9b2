import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { systemActor } from '../src/admin/audit-log.js';
import { chromiumAvailable, launchChromium, SCREENSHOTS } from './helpers/chromium.js';
import { heading, signIn, watchedPage } from './helpers/console-page.js';
import { startTestServer, type TestServer } from './helpers/server.js';

const ADA = { username: 'ada', password: 'correct horse battery' };

if (chromiumAvailable()) {
  describe("a user's roles in the console (Chromium)", () => {
    let server: TestServer;
    let browser: Browser;
    let bob: string;

    before(async () => {
      server = await startTestServer({ name: 'sqlite' });
      const { management } = server.server.gatehouse;
      await management.users.createUser({ ...ADA, roles: [await management.roles.ensureAdminRole()] });
      bob = (await management.users.createUser({ username: 'bob', password: 'staple battery horse' })).id;
      await management.roles.createRole({ name: 'reader', scopes: ['demo:read'], description: 'Reads the demo API' }, systemActor());
      browser = await launchChromium();
    });
    after(async () => {
      await browser?.close();
      await server?.close();
    });

    test('an administrator gives bob a role, and cannot take the admin role from the last administrator', async () => {
      const { context, page, problems } = await watchedPage(browser, server);
      await page.goto(`${server.url}/console/users/${bob}`);
      await signIn(page, ADA);
      await heading(page, 'bob').waitFor();
      const card = page.getByRole('group', { name: 'Roles of bob' });
      const save = page.getByRole('button', { name: 'Save roles' });
      assert.equal(await save.isDisabled(), true, 'nothing to save yet');
      await card.getByRole('checkbox', { name: /^reader/ }).check();
      await save.click();
      await page.getByText('Roles saved.').waitFor();
      assert.deepEqual((await server.server.gatehouse.management.users.getUser(bob)).roles, ['reader']);
      await page.screenshot({ path: join(SCREENSHOTS, 'console-user-roles.png'), fullPage: true });

      // ada is the only administrator: the server refuses, and the page says why.
      const users = (await server.server.gatehouse.management.users.listUsers()).items;
      const ada = users.find((user) => user.username === 'ada')!;
      await page.goto(`${server.url}/console/users/${ada.id}`);
      await heading(page, 'ada').waitFor();
      await page
        .getByRole('group', { name: 'Roles of ada' })
        .getByRole('checkbox', { name: /^admin/ })
        .uncheck();
      await page.getByRole('button', { name: 'Save roles' }).click();
      await page.getByRole('alert').filter({ hasText: 'last active administrator' }).waitFor();
      await page.screenshot({ path: join(SCREENSHOTS, 'console-user-roles-last-admin.png'), fullPage: true });
      assert.deepEqual((await server.server.gatehouse.management.users.getUser(ada.id)).roles, ['admin']);
      assert.deepEqual(problems, []);
      await context.close();
    });
  });
}
