import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser, Locator, Page } from 'playwright-core';
import { systemActor } from '../src/admin/audit-log.js';
import { loginPage } from './helpers/admin.js';
import { chromiumAvailable, launchChromium, SCREENSHOTS } from './helpers/chromium.js';
import { authorize, createAlice, webApp } from './helpers/code-flow.js';
import { describedText, focusReaches, heading, nav, signIn, textOf, unlabelledControls, watchedPage } from './helpers/console-page.js';
import { startTestServer, type TestServer } from './helpers/server.js';
import { getWith, postForm } from './helpers/tokens.js';

/**
 * The developer console in a real browser, as a new administrator uses it: sign in through the console's own
 * authorization code + PKCE flow, create an app client, copy its credentials from the page and use them, rotate
 * and revoke it, and visit every other page. Each page is screenshotted to test-artifacts/screenshots/console-*.png.
 */

const ADMIN = { username: 'admin', password: 'Tq8#vLm2!pZr5wXe' };
const NOTES_API = 'https://notes.example.com/api';
const DEVELOPER = { username: 'dev', password: 'not an admin at all' };

const shot = (page: Page, name: string) => page.screenshot({ path: join(SCREENSHOTS, `console-${name}.png`), fullPage: true });

async function open(page: Page, link: string, title: string): Promise<void> {
  await nav(page, link).click();
  await heading(page, title).waitFor();
  assert.equal(await nav(page, link).getAttribute('aria-current'), 'page');
  assert.deepEqual(await unlabelledControls(page), [], `every control on ${title} has an accessible name`);
}

if (chromiumAvailable()) {
  describe('the developer console in a real browser (Chromium)', () => {
    let server: TestServer;
    let browser: Browser;
    let admin: Awaited<ReturnType<typeof watchedPage>>;

    before(async () => {
      server = await startTestServer({ name: 'sqlite' });
      const { management } = server.server.gatehouse;
      await management.users.createUser({ ...ADMIN, name: 'Ada Admin', roles: [await management.roles.ensureAdminRole()] });
      await management.users.createUser(DEVELOPER);
      await management.roles.createRole({ name: 'reader', scopes: ['demo:read'], description: 'Reads the demo API' }, systemActor());
      browser = await launchChromium();
      admin = await watchedPage(browser, server);
      await admin.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: new URL(server.issuer).origin });
    });
    after(async () => {
      await admin?.context.close();
      await browser?.close();
      await server?.close();
    });

    test('an administrator creates an app client, uses its credentials, rotates its secret and revokes it', async () => {
      const { page } = admin;
      const response = await page.goto(`${server.url}/console`);
      assert.ok(response);
      await signIn(page, ADMIN);

      await heading(page, 'API access').waitFor();
      assert.equal(
        new URL(page.url()).pathname,
        '/console/clients',
        'the callback lands on API access, without code or state in the address',
      );
      assert.match(await textOf(page.getByRole('banner')), /Ada Admin/);
      await page.getByRole('heading', { name: 'No app clients yet' }).waitFor();
      assert.deepEqual(await unlabelledControls(page), []);
      await shot(page, 'api-access-empty');

      // The keyboard alone opens the dialog; Escape closes it and focus goes back to the button.
      const createButton = page.getByRole('button', { name: 'Create app client' }).first();
      await createButton.focus();
      await page.keyboard.press('Enter');
      const dialog = page.getByRole('dialog', { name: 'Create app client' });
      await dialog.waitFor();
      assert.equal(await focusReaches(page, 'Name'), 'Name', 'Name has focus');
      await page.keyboard.press('Escape');
      await dialog.waitFor({ state: 'detached' });
      assert.equal(await focusReaches(page, 'Create app client'), 'Create app client', 'focus returns to the button');

      await createButton.click();
      await dialog.waitFor();
      // Client-side validation first: nothing is sent without a name.
      await dialog.getByRole('button', { name: 'Create', exact: true }).click();
      await dialog.getByText('Enter a name for the app client.').waitFor();
      await dialog.getByLabel('Name', { exact: true }).fill('Billing service');
      await dialog.getByLabel('Description').fill('Nightly invoicing run');
      await dialog.getByRole('checkbox', { name: /^reader/ }).check();
      // The API's own error is shown next to the field it names (in the advanced settings, opened for it).
      await dialog.getByText('Advanced settings').click();
      await dialog.getByLabel('Additional scopes').fill('invoices\\read');
      await dialog.getByRole('button', { name: 'Create', exact: true }).click();
      const scopeInput = dialog.getByLabel('Additional scopes');
      await dialog.locator('.field-error').waitFor();
      assert.equal(await scopeInput.getAttribute('aria-invalid'), 'true');
      assert.match(await describedText(scopeInput), /"invoices\\read" is not a valid scope/);
      assert.equal(await dialog.getByRole('alert').count(), 0, 'the error is beside the field, not at the foot of the dialog');
      assert.deepEqual(await unlabelledControls(page), []);
      await shot(page, 'create-client-error');
      await dialog.getByLabel('Additional scopes').fill('');
      await shot(page, 'create-client');
      await dialog.getByRole('button', { name: 'Create', exact: true }).click();

      const created = page.getByRole('dialog', { name: 'App client created' });
      await created.waitFor();
      const clientId = await created.getByRole('textbox', { name: 'Client ID', exact: true }).inputValue();
      const clientSecret = await created.getByRole('textbox', { name: 'Client secret', exact: true }).inputValue();
      assert.match(clientId, /^[0-9a-f-]{36}$/);
      assert.match(clientSecret, /^gate_cs_[0-9A-Za-z]{40,}$/);
      assert.match(await textOf(created), /shown only once/);
      await created.getByRole('button', { name: 'Copy client secret' }).click();
      await created.getByRole('button', { name: 'Copy client secret' }).getByText('Copied').waitFor();
      assert.equal(await page.evaluate('navigator.clipboard.readText()'), clientSecret, 'the copy button puts the secret on the clipboard');
      await shot(page, 'client-created');

      // The credentials read from the page work.
      const credentials = { clientId, clientSecret };
      const token = await postForm(server, '/oauth2/token', { grant_type: 'client_credentials' }, credentials);
      assert.equal(token.status, 200, token.text);
      const accessToken = (token.body as { access_token: string; scope: string }).access_token;
      assert.equal((token.body as { scope: string }).scope, 'demo:read');
      const items = await getWith(server, '/api/demo/items', `Bearer ${accessToken}`);
      assert.equal(items.status, 200, items.text);

      await created.getByRole('button', { name: 'Done' }).click();
      await heading(page, 'Billing service').waitFor();
      assert.equal(await created.count(), 0);
      await page.getByText('demo:read').first().waitFor();
      assert.deepEqual(await unlabelledControls(page), []);
      await shot(page, 'client-detail');

      // Made a resource server on its page: it may then introspect other clients' tokens (RFC 7662 §4).
      const introspectionBox = page.getByRole('checkbox', { name: /May introspect other clients' tokens/ });
      assert.equal(await introspectionBox.isChecked(), false, 'a new client is no resource server');
      await introspectionBox.check();
      await page.getByRole('button', { name: 'Save changes' }).click();
      await page.getByText('Changes saved.').waitFor();
      await page.getByText("Any client's tokens (resource server)").waitFor();
      assert.equal((await server.server.gatehouse.management.clients.getClient(clientId)).introspection, true);

      // Rotate: a new secret, shown once; the old one keeps working through the grace period.
      await page.getByRole('button', { name: 'Rotate secret' }).click();
      const rotate = page.getByRole('dialog', { name: 'Rotate client secret' });
      await rotate.getByLabel('Old secret keeps working for').selectOption({ label: '1 hour' });
      await shot(page, 'rotate-secret');
      await rotate.getByRole('button', { name: 'Rotate secret' }).click();
      const rotated = page.getByRole('dialog', { name: 'New client secret' });
      await rotated.waitFor();
      const newSecret = await rotated.getByRole('textbox', { name: 'Client secret', exact: true }).inputValue();
      assert.notEqual(newSecret, clientSecret);
      await shot(page, 'new-secret');
      await rotated.getByRole('button', { name: 'Done' }).click();
      const newCredentials = { clientId, clientSecret: newSecret };
      assert.equal((await postForm(server, '/oauth2/token', { grant_type: 'client_credentials' }, newCredentials)).status, 200);
      assert.equal(
        (await postForm(server, '/oauth2/token', { grant_type: 'client_credentials' }, credentials)).status,
        200,
        'the old secret works during the grace period',
      );
      await page.getByText('The previous secret keeps working until').waitFor();

      // Revoke, after a confirmation.
      await page.getByRole('button', { name: 'Revoke app client' }).click();
      const confirm = page.getByRole('alertdialog', { name: 'Revoke Billing service?' });
      await confirm.waitFor();
      await shot(page, 'revoke-confirm');
      await confirm.getByRole('button', { name: 'Cancel' }).click();
      await confirm.waitFor({ state: 'detached' });
      assert.equal(
        (await postForm(server, '/oauth2/token', { grant_type: 'client_credentials' }, newCredentials)).status,
        200,
        'Cancel revokes nothing',
      );
      await page.getByRole('button', { name: 'Revoke app client' }).click();
      await confirm.getByRole('button', { name: 'Revoke', exact: true }).click();
      await confirm.waitFor({ state: 'detached' });
      await page.locator('.page-header').getByText('Revoked', { exact: true }).waitFor();
      await shot(page, 'client-revoked');

      for (const secret of [credentials, newCredentials]) {
        const refused = await postForm(server, '/oauth2/token', { grant_type: 'client_credentials' }, secret);
        assert.equal(refused.status, 401, refused.text);
        assert.equal((refused.body as { error: string }).error, 'invalid_client');
      }
      const afterRevoke = await getWith(server, '/api/demo/items', `Bearer ${accessToken}`);
      assert.equal(afterRevoke.status, 401, `the demo API still accepts the revoked client's token: ${afterRevoke.text}`);

      await page.getByRole('link', { name: 'API access' }).first().click();
      await heading(page, 'API access').waitFor();
      const row = page.getByRole('row').filter({ hasText: 'Billing service' });
      assert.match(await textOf(row), /Machine to machine.*reader.*Revoked/);
      await shot(page, 'api-access');
      assert.deepEqual(admin.problems, []);
    });

    test('roles, users, consents, sessions, signing keys and the audit log', async () => {
      const { page } = admin;
      // A person who signed in to a third-party app and allowed it: a session and a consent to manage.
      // She allowed it at the default API and, asked again (consent is per API, RFC 8707), at the Notes API.
      const aliceId = await createAlice(server);
      await server.server.gatehouse.management.apis.createApi(
        { identifier: NOTES_API, name: 'Notes API', scopes: ['notes:read'] },
        systemActor(),
      );
      const notes = await webApp(server, 'Acme Notes', { scopes: ['notes:read'] });
      const first = await authorize(server, { clientId: notes.clientId, scope: 'openid profile' });
      const atNotesApi = await authorize(server, {
        clientId: notes.clientId,
        scope: 'openid notes:read',
        params: { resource: NOTES_API },
        browser: first.browser,
      });
      assert.deepEqual(atNotesApi.asked, { login: false, consent: true });

      // Roles & scopes: create one; a duplicate gets the API's 409 message inline.
      await open(page, 'Roles & scopes', 'Roles & scopes');
      await page.getByRole('row').filter({ hasText: 'reader' }).getByText('demo:read').waitFor();
      await shot(page, 'roles');
      await page.getByRole('button', { name: 'Create role' }).click();
      const roleDialog = page.getByRole('dialog', { name: 'Create role' });
      await roleDialog.getByLabel('Name').fill('reader');
      await roleDialog.getByLabel('Scopes').fill('demo:read');
      await roleDialog.getByRole('button', { name: 'Create role' }).click();
      await roleDialog.locator('.field-error').getByText('Role "reader" exists already.').waitFor();
      assert.match(await describedText(roleDialog.getByLabel('Name')), /Role "reader" exists already/);
      await shot(page, 'create-role-error');
      await roleDialog.getByLabel('Name').fill('billing');
      await roleDialog.getByLabel('Description', { exact: false }).fill('Invoices API');
      await roleDialog.getByLabel('Scopes').fill('invoices:read invoices:write');
      await roleDialog.getByRole('button', { name: 'Create role' }).click();
      await roleDialog.waitFor({ state: 'detached' });
      await page.getByRole('status').getByText('Role "billing" created.').waitFor();
      await page.getByRole('button', { name: 'Edit scopes of billing' }).click();
      const scopesDialog = page.getByRole('dialog', { name: 'Edit scopes of billing' });
      await scopesDialog.getByLabel('Scopes').fill('invoices:read');
      await scopesDialog.getByRole('button', { name: 'Save scopes' }).click();
      await scopesDialog.waitFor({ state: 'detached' });
      await page
        .getByRole('row')
        .filter({ hasText: 'Invoices API' })
        .filter({ hasText: 'invoices:read' })
        .filter({ hasNotText: 'invoices:write' })
        .waitFor();
      assert.deepEqual((await server.server.gatehouse.management.roles.listRoles()).items.find((role) => role.name === 'billing')?.scopes, [
        'invoices:read',
      ]);

      // Users: list, create, disable (confirmed) and enable again.
      await open(page, 'Users', 'Users');
      await page.getByRole('link', { name: 'alice' }).waitFor();
      await shot(page, 'users');
      await page.getByRole('button', { name: 'Create user' }).click();
      const userDialog = page.getByRole('dialog', { name: 'Create user' });
      await userDialog.getByLabel('Username').fill('bob');
      await userDialog.getByLabel('Password').fill('short');
      await userDialog.getByRole('button', { name: 'Create user' }).click();
      await userDialog.getByText('Use at least 8 characters.').waitFor();
      await userDialog.getByLabel('Full name').fill('Bob Builder');
      await userDialog.getByLabel('Email').fill('bob@example.com');
      await userDialog.getByLabel('Password').fill('bob the builder');
      await userDialog.getByRole('checkbox', { name: /^billing/ }).check();
      await shot(page, 'create-user');
      await userDialog.getByRole('button', { name: 'Create user' }).click();
      await heading(page, 'bob').waitFor();
      await page.getByRole('heading', { name: 'No apps allowed' }).waitFor();
      await page.getByRole('heading', { name: 'No active sessions' }).waitFor();
      await shot(page, 'user-new');
      await page.getByRole('button', { name: 'Disable user' }).click();
      const disable = page.getByRole('alertdialog', { name: 'Disable bob?' });
      await disable.getByRole('button', { name: 'Disable user' }).click();
      await disable.waitFor({ state: 'detached' });
      await page.locator('.page-header').getByText('Disabled', { exact: true }).waitFor();
      assert.equal((await server.server.gatehouse.management.users.getUser('bob')).status, 'disabled');
      await shot(page, 'user-disabled');
      await page.getByRole('button', { name: 'Enable user' }).click();
      await page.locator('.page-header').getByText('Active', { exact: true }).waitFor();

      // A user's consents and sessions: withdraw and revoke, each after a confirmation.
      await nav(page, 'Users').click();
      await page.getByRole('link', { name: 'alice' }).click();
      await heading(page, 'alice').waitFor();
      const consentTable = page.getByRole('table', { name: 'Apps allowed' });
      assert.deepEqual((await consentTable.getByRole('columnheader').allTextContents()).slice(0, 4), ['App', 'API', 'Scopes', 'Allowed']);
      const apiCells = async (row: Locator) => (await row.getByRole('cell').allTextContents()).slice(0, 3);
      const consentRows = consentTable.getByRole('row').filter({ hasText: 'Acme Notes' });
      assert.equal(await consentRows.count(), 2, 'one row per API');
      const defaultRow = await apiCells(consentRows.filter({ hasText: 'Default API' }));
      assert.deepEqual(defaultRow, ['Acme Notes', `Default API${server.issuer}/api`, 'openidprofile']);
      const notesRow = await apiCells(consentRows.filter({ hasText: 'Notes API' }));
      assert.deepEqual(notesRow, ['Acme Notes', `Notes API${NOTES_API}`, 'openidnotes:read']);
      const withdrawButtons = consentTable.getByRole('button', { name: 'Withdraw consent for Acme Notes' });
      assert.equal(await withdrawButtons.count(), 1, 'withdrawing is per app, at every API');
      const sessionRows = page.getByRole('table', { name: 'Sessions' }).getByRole('row');
      assert.equal(await sessionRows.count(), 2, 'a header row and one session');
      assert.deepEqual(await unlabelledControls(page), []);
      await shot(page, 'user-detail');
      await page.getByRole('button', { name: 'Withdraw consent for Acme Notes' }).click();
      const withdraw = page.getByRole('alertdialog', { name: 'Withdraw consent for Acme Notes?' });
      await shot(page, 'withdraw-consent');
      await withdraw.getByRole('button', { name: 'Withdraw consent' }).click();
      await withdraw.waitFor({ state: 'detached' });
      await page.getByRole('heading', { name: 'No apps allowed' }).waitFor();
      await page.getByRole('button', { name: /^Revoke session on / }).click();
      await page.getByRole('alertdialog', { name: 'Revoke this session?' }).getByRole('button', { name: 'Revoke session' }).click();
      await page.getByRole('heading', { name: 'No active sessions' }).waitFor();
      const gatehouse = server.server.gatehouse;
      assert.deepEqual(await gatehouse.management.users.listConsents(aliceId), []);
      assert.deepEqual(await gatehouse.management.users.listSessions(aliceId), []);

      // Signing keys: list and rotate.
      await open(page, 'Signing keys', 'Signing keys');
      await page.getByRole('cell', { name: 'ES256' }).first().waitFor();
      await shot(page, 'keys');
      await page.getByRole('button', { name: 'Rotate keys' }).click();
      const rotateKeys = page.getByRole('dialog', { name: 'Rotate signing keys' });
      await rotateKeys.getByRole('radio', { name: /ES256 only/ }).check();
      await shot(page, 'rotate-keys');
      await rotateKeys.getByRole('button', { name: 'Rotate now' }).click();
      await page.getByRole('status').getByText('Keys rotated').waitFor();
      await page
        .getByRole('table', { name: 'Signing keys' })
        .getByRole('row')
        .filter({ hasText: 'ES256' })
        .filter({ hasText: 'Retired' })
        .first()
        .waitFor();
      await shot(page, 'keys-rotated');

      // Audit log: what was done above, with names instead of ids. A stranger's failed sign-in as admin is shown
      // as anonymous, the typed name as data, and is not linked to Ada's account.
      assert.equal(await loginPage(server, ADMIN.username, 'a stranger guessing'), 401);
      // A built-in client revoked by an earlier version is restored as the server starts, by the system.
      const playground = gatehouse.store.db.updateTable('clients').where('client_id', '=', 'gatehouse-playground');
      await playground.set({ revoked_at: 1_700_000_000 }).execute();
      await gatehouse.management.clients.ensureBuiltinClients();
      await open(page, 'Audit log', 'Audit log');
      const log = page.getByRole('table', { name: 'Audit events' });
      for (const action of [
        'client.created',
        'client.secret_rotated',
        'client.revoked',
        'role.created',
        'user.disabled',
        'consent.withdrawn',
        'keys.rotated',
      ]) {
        await log.getByText(action, { exact: true }).first().waitFor();
      }
      assert.match(await textOf(log.getByRole('row').filter({ hasText: 'client.revoked' })), /admin.*Billing service/);
      const failedSignIn = log.getByRole('row').filter({ hasText: 'login.failed' }).first();
      const cells = (await failedSignIn.getByRole('cell').allTextContents()).slice(1);
      assert.deepEqual(cells, ['anonymousanonymous', 'login.failed', '—', '127.0.0.1', 'usernameadmin']);
      assert.equal(await failedSignIn.getByRole('link').count(), 0);
      const restored = (await log.getByRole('row').filter({ hasText: 'client.restored' }).getByRole('cell').allTextContents()).slice(1);
      assert.deepEqual(restored.slice(0, 4), ['Gatehousesystem', 'client.restored', 'Gatehouse API playground', '—']);
      assert.match(restored[4]!, /^revoked at\S.*2023/, 'when the earlier version revoked it');
      await page.getByRole('navigation', { name: 'Audit log pages' }).waitFor();
      await shot(page, 'audit');

      // An unknown console address, loaded afresh: sign-in is silent (the session exists) and the page says so.
      await page.goto(`${server.url}/console/no-such-page`);
      await heading(page, 'Page not found').waitFor();
      await shot(page, 'not-found');

      // Sign out: RP-initiated logout, back to the console's "signed out" screen.
      await page.getByRole('link', { name: 'Sign out' }).click();
      await page.getByRole('heading', { name: 'You have signed out' }).waitFor();
      await shot(page, 'signed-out');
      await page.getByRole('button', { name: 'Sign in again' }).click();
      await page.getByRole('heading', { name: 'Sign in', exact: true }).waitFor();
      assert.deepEqual(admin.problems, []);
    });

    test("a person without the admin role gets their accounts (none yet), not the platform's pages", async () => {
      const { context, page, problems } = await watchedPage(browser, server);
      try {
        await page.goto(`${server.url}/console/users`);
        await signIn(page, DEVELOPER);
        await heading(page, 'Your accounts').waitFor();
        assert.match(await textOf(page.getByRole('main')), /not a member of any account yet.*ask the platform operators for an account/);
        assert.equal(await page.getByRole('button', { name: 'Create account' }).count(), 0, 'sign-up is off: no accounts of their own');
        const links = await page.getByRole('navigation', { name: 'Console' }).getByRole('link').allTextContents();
        assert.deepEqual(
          links.map((link) => link.trim()),
          ['Your accounts'],
          'none of the platform administrators’ pages',
        );
        const signOut = page.getByRole('link', { name: 'Sign out' });
        assert.match((await signOut.getAttribute('href')) ?? '', /\/oauth2\/end-session\?/);
        await shot(page, 'no-access');
        await signOut.click();
        await page.getByRole('heading', { name: 'You have signed out' }).waitFor();
        assert.deepEqual(problems, []);
      } finally {
        await context.close();
      }
    });

    test('the console is served with a strict CSP and its settings', async () => {
      const page = await fetch(`${server.url}/console/clients`);
      assert.equal(page.status, 200);
      const csp = page.headers.get('content-security-policy') ?? '';
      for (const directive of [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "connect-src 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
      ]) {
        assert.ok(csp.includes(directive), `CSP has ${directive}: ${csp}`);
      }
      assert.match(await page.text(), /<div id="app">/);
      const redirect = await fetch(`${server.url}/console`, { redirect: 'manual' });
      assert.equal(redirect.status, 301);
      assert.equal(redirect.headers.get('location'), '/console/');
      const config = await (await fetch(`${server.url}/console/config.json`)).json();
      assert.deepEqual(config, {
        issuer: server.issuer,
        clientId: 'gatehouse-console',
        redirectUri: `${server.issuer}/console/callback`,
        scope: 'openid profile gatehouse:admin gatehouse:accounts',
        postLogoutRedirectUri: `${server.issuer}/console/`,
        platform: true,
        selfService: false,
      });
      assert.equal((await fetch(`${server.url}/console/assets/missing.js`)).status, 404);
    });
  });
}
