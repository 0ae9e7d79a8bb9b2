import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import * as client from 'openid-client';
import type { Browser, Page } from 'playwright-core';
import { systemActor } from '../src/admin/audit-log.js';
import { chromiumAvailable, launchChromium, SCREENSHOTS } from './helpers/chromium.js';
import { authorizationUrl, authorize, createAlice, REDIRECT_URI, webApp } from './helpers/code-flow.js';
import { focusReaches, heading, nav, settled, signedInConsole, unlabelledControls, type watchedPage } from './helpers/console-page.js';
import { assertUsable, type Scheme } from './helpers/page-checks.js';
import { startTestServer, type TestServer } from './helpers/server.js';

/**
 * "Works on a phone" (issue 12 item 7): every console page, dialog and server-rendered page at 420 px and at
 * 1280 px, in the light and the dark colour scheme, has no axe-core violation, no sideways scrolling and no button
 * cut off (test/helpers/page-checks.ts). Screenshots: test-artifacts/screenshots/a11y-{scheme}-{width}-{page}.png.
 */

const ADMIN = { username: 'admin', password: 'Tq8#vLm2!pZr5wXe' };
const BOB_PASSWORD = 'bob the builder';
const SCHEMES = ['light', 'dark'] as const;
const WIDTHS = [
  { width: 420, height: 900 },
  { width: 1280, height: 800 },
] as const;

const activeId = (page: Page) => () => page.evaluate('document.activeElement?.id ?? ""') as Promise<string>;
/** The focused element's accessible name as these buttons give it: aria-label, or its text. */
const focusedName = (page: Page): Promise<string> =>
  page.evaluate(`(document.activeElement?.getAttribute('aria-label') || document.activeElement?.textContent || '').trim()`);

async function shot(page: Page, scheme: Scheme, name: string, fullPage = true): Promise<void> {
  await page.screenshot({ path: join(SCREENSHOTS, `a11y-${scheme}-${page.viewportSize()?.width}-${name}.png`), fullPage });
}

if (chromiumAvailable()) {
  describe('the console and the sign-in pages on a phone and a desktop, light and dark (Chromium, axe-core)', () => {
    let server: TestServer;
    let browser: Browser;
    let admin: Awaited<ReturnType<typeof watchedPage>>;
    let notes: { clientId: string; clientSecret: string };

    before(async () => {
      server = await startTestServer({ name: 'sqlite' }, { GATEHOUSE_SIGNUP: 'on' });
      const { management, platform } = server.server.gatehouse;
      const ada = await management.users.createUser({ ...ADMIN, name: 'Ada Admin', roles: [await management.roles.ensureAdminRole()] });
      // A person per scheme, each asked for consent afresh.
      for (const scheme of SCHEMES)
        await management.users.createUser({ username: `bob-${scheme}`, password: BOB_PASSWORD, name: 'Bob Builder' });
      await management.roles.createRole({ name: 'reader', scopes: ['demo:read'], description: 'Reads the demo API' }, systemActor());
      await server.createClient({ name: 'Billing service', description: 'Nightly invoicing run', roles: ['reader'] });
      notes = await webApp(server, 'Acme Notes', { description: 'Take notes anywhere.' });
      // alice allowed Acme Notes and is signed in: her page has a consent and a session.
      await createAlice(server);
      await authorize(server, { clientId: notes.clientId, scope: 'openid profile' });
      await platform.tenants.create({ id: 'northwind', name: 'Northwind Traders' }, systemActor());
      // Ada is on Northwind's team too: its account pages (members, settings) and the account switcher.
      const northwind = (await server.server.gatehouse.tenants.open('northwind'))!;
      await northwind.repositories.members.add(ada.id, 'owner');
      await northwind.management.members.invite({ email: 'sam@northwind.test', role: 'developer' }, systemActor());
      browser = await launchChromium();
      admin = await signedInConsole(browser, server, ADMIN);
      await admin.page.setViewportSize(WIDTHS[1]);
    });
    after(async () => {
      await admin?.context.close();
      await browser?.close();
      await server?.close();
    });

    for (const scheme of SCHEMES) {
      for (const size of WIDTHS) {
        test(`every console page and dialog at ${size.width} px, ${scheme}`, async () => {
          const { page } = admin;
          await page.setViewportSize(size);
          await page.emulateMedia({ colorScheme: scheme });
          const visit = async (link: string, title: string, name: string) => {
            await nav(page, link).click();
            await heading(page, title).waitFor();
            await check(name);
          };
          /** Opens a dialog from the page's button, checks it, and closes it with Escape. */
          const openDialog = async (button: string, title: string, name: string) => {
            await page.getByRole('button', { name: button }).first().click();
            const dialog = page.getByRole('dialog', { name: title });
            await dialog.waitFor();
            await check(name, false);
            await page.keyboard.press('Escape');
            await dialog.waitFor({ state: 'detached' });
          };
          const check = async (name: string, fullPage = true) => {
            await page.waitForLoadState('networkidle');
            await shot(page, scheme, name, fullPage);
            assert.deepEqual(await unlabelledControls(page), [], `every control on ${name} has an accessible name`);
            await assertUsable(page, name, scheme);
          };

          await visit('API access', 'API access', 'clients');
          await page.getByRole('heading', { name: 'Endpoints' }).waitFor();
          await page.getByRole('button', { name: 'Create app client' }).first().click();
          const create = page.getByRole('dialog', { name: 'Create app client' });
          await create.waitFor();
          await check('new-client', false);
          await create.getByRole('button', { name: 'Cancel' }).click();
          await create.waitFor({ state: 'detached' });

          await page.getByRole('link', { name: 'Billing service' }).click();
          await heading(page, 'Billing service').waitFor();
          await check('client');
          await page.getByRole('button', { name: 'Rotate secret' }).click();
          const rotate = page.getByRole('dialog', { name: 'Rotate client secret' });
          await rotate.waitFor();
          await check('rotate-secret', false);
          await page.keyboard.press('Escape');
          await rotate.waitFor({ state: 'detached' });

          await page.getByRole('button', { name: 'Revoke app client' }).click();
          const revoke = page.getByRole('alertdialog', { name: 'Revoke Billing service?' });
          await revoke.waitFor();
          await check('revoke-confirm', false);
          await revoke.getByRole('button', { name: 'Cancel' }).click();
          await revoke.waitFor({ state: 'detached' });

          await visit('Roles & scopes', 'Roles & scopes', 'roles');
          await openDialog('Create role', 'Create role', 'create-role');
          await visit('Users', 'Users', 'users');
          await openDialog('Create user', 'Create user', 'create-user');
          await page.getByRole('link', { name: 'alice' }).click();
          await heading(page, 'alice').waitFor();
          await page.getByRole('table', { name: 'Sessions' }).waitFor();
          await check('user');
          await visit('Signing keys', 'Signing keys', 'keys');
          await openDialog('Rotate keys', 'Rotate signing keys', 'rotate-keys');
          await visit('Audit log', 'Audit log', 'audit');
          await visit('Tenants', 'Tenants', 'tenants');
          await openDialog('Create tenant', 'Create tenant', 'create-tenant');
          await visit('APIs', 'APIs', 'apis');

          // An account's pages, by the account switcher.
          await page.getByLabel('Account').selectOption('northwind');
          await heading(page, 'API access').waitFor();
          await visit('Members', 'Members', 'members');
          await page.getByRole('table', { name: 'Invitations' }).waitFor();
          await check('members');
          await openDialog('Invite a member', 'Invite a member', 'invite');
          await visit('Settings', 'Settings', 'account-settings');
          await visit('Your accounts', 'Your accounts', 'your-accounts');
          await nav(page, 'API access').click();
          await heading(page, 'API access').waitFor();
          assert.equal(new URL(page.url()).pathname, '/console/clients', "back on the platform's own pages");
          assert.deepEqual(admin.problems, []);
        });
      }
    }

    test('by keyboard: the skip link leads to the page, Tab stays inside a dialog, Escape closes it and focus returns', async () => {
      const { page } = admin;
      await page.setViewportSize(WIDTHS[1]);
      await page.emulateMedia({ colorScheme: 'light' });
      // Loaded afresh: the console signs in again silently and lands on the same page; the first Tab is the skip link.
      await page.goto(`${server.url}/console/users`);
      await heading(page, 'Users').waitFor();
      await page.keyboard.press('Tab');
      const skip = page.getByRole('link', { name: 'Skip to main content' });
      assert.equal(await focusedName(page), 'Skip to main content', 'the first Tab reaches the skip link');
      const box = await skip.boundingBox();
      assert.ok(box && box.y >= 0, `the focused skip link is in view: ${JSON.stringify(box)}`);
      await shot(page, 'light', 'skip-link', false);
      await page.keyboard.press('Enter');
      assert.equal(await settled(activeId(page), (id) => id === 'main'), 'main', 'Enter moves focus to the main content');

      await page.getByRole('button', { name: 'Create user' }).focus();
      await page.keyboard.press('Enter');
      const dialog = page.getByRole('dialog', { name: 'Create user' });
      await dialog.waitFor();
      // Round the dialog both ways: from its first control (Close) back to its last (the submit button) and on.
      const names: string[] = [];
      await dialog.getByRole('button', { name: 'Close' }).focus();
      for (let step = 0; step < 2; step++) {
        await page.keyboard.press('Shift+Tab');
        names.push(await focusedName(page));
      }
      assert.deepEqual(names, ['Create user', 'Cancel'], 'Shift+Tab from Close goes to the last button, then back');
      await page.keyboard.press('Tab');
      await page.keyboard.press('Tab');
      assert.equal(await focusedName(page), 'Close', 'Tab from the last button comes round to Close');
      await shot(page, 'light', 'dialog-focus', false);
      await page.keyboard.press('Escape');
      await dialog.waitFor({ state: 'detached' });
      assert.equal(await focusReaches(page, 'Create user'), 'Create user', 'focus returns to the button that opened it');
    });

    test("the console's signed-out screen at 420 px, light and dark", async () => {
      const { page } = admin;
      await page.setViewportSize(WIDTHS[0]);
      await page.getByRole('link', { name: 'Sign out' }).click();
      await page.getByRole('heading', { name: 'You have signed out' }).waitFor();
      for (const scheme of SCHEMES) {
        await page.emulateMedia({ colorScheme: scheme });
        await shot(page, scheme, 'signed-out');
        await assertUsable(page, 'the signed-out screen', scheme);
      }
      assert.deepEqual(admin.problems, []);
    });

    for (const scheme of SCHEMES) {
      test(`the front page, sign-in, sign-up, consent and account pages at 420 px, ${scheme}`, async () => {
        const context = await browser.newContext({ viewport: WIDTHS[0], colorScheme: scheme });
        const page = await context.newPage();
        const problems: string[] = [];
        page.on('console', (message) => {
          if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) problems.push(message.text());
        });
        try {
          await page.goto(`${server.url}/`);
          await page.getByRole('link', { name: 'Console' }).waitFor();
          await shot(page, scheme, 'front-page');
          await assertUsable(page, 'the front page', scheme);

          const verifier = client.randomPKCECodeVerifier();
          const params = {
            client_id: notes.clientId,
            response_type: 'code',
            redirect_uri: REDIRECT_URI,
            scope: 'openid profile',
            state: client.randomState(),
            code_challenge: await client.calculatePKCECodeChallenge(verifier),
            code_challenge_method: 'S256',
          };
          await page.goto(authorizationUrl(server, params).toString());
          await page.getByRole('heading', { name: 'Sign in', exact: true }).waitFor();
          await shot(page, scheme, 'sign-in');
          await assertUsable(page, 'the sign-in page', scheme);
          await page.getByRole('link', { name: 'Create an account' }).click();
          await page.getByRole('heading', { level: 1 }).waitFor();
          await shot(page, scheme, 'sign-up');
          await assertUsable(page, 'the sign-up page', scheme);
          await page.goBack();
          await page.getByLabel('Username').fill(`bob-${scheme}`);
          await page.getByLabel('Password').fill('not his password');
          await page.getByRole('button', { name: 'Sign in' }).click();
          await page.getByRole('alert').waitFor();
          await shot(page, scheme, 'sign-in-error');
          await assertUsable(page, 'the sign-in page with its error', scheme);
          await page.getByLabel('Password').fill(BOB_PASSWORD);
          await page.getByRole('button', { name: 'Sign in' }).click();
          await page.getByRole('heading', { name: 'Acme Notes wants to access your account' }).waitFor();
          await shot(page, scheme, 'consent');
          await assertUsable(page, 'the consent page', scheme);
          // Allowed (the app's redirect URI has no server: the browser's error page is not checked), the account page
          // lists the app with its Withdraw button.
          await page.getByRole('button', { name: 'Allow' }).click();
          await page.waitForURL((url) => url.protocol === 'chrome-error:' || url.port === '9999');
          await page.goto(`${server.url}/account`);
          await page.getByRole('button', { name: 'Withdraw access of Acme Notes' }).waitFor();
          await shot(page, scheme, 'account');
          await assertUsable(page, 'the account page', scheme);
          assert.deepEqual(problems, [], 'no CSP violation or other error in the console');
        } finally {
          await context.close();
        }
      });
    }
  });
}
