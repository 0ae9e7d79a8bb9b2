import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { systemActor } from '../src/admin/audit-log.js';
import { chromiumAvailable, launchChromium, SCREENSHOTS } from './helpers/chromium.js';
import { heading, nav, textOf, unlabelledControls, watchedPage } from './helpers/console-page.js';
import { startTestServer, type TestServer } from './helpers/server.js';
import { basicAuth, getWith } from './helpers/tokens.js';

const OWNER = { username: 'olivia', name: 'Olivia Owner', password: 'lantern orchard seventy' };
const DEVELOPER = { username: 'devon', name: 'Devon Dev', password: 'copper kettle whistle' };
const shot = (page: Page, name: string) => page.screenshot({ path: join(SCREENSHOTS, `customer-journey-${name}.png`), fullPage: true });

/** Signs a new person up from the sign-in page the console sent them to, then signs in with the new password. */
async function signUpAndIn(page: Page, person: typeof OWNER): Promise<void> {
  await page.getByRole('heading', { name: 'Sign in', exact: true }).waitFor();
  await page.getByRole('link', { name: 'Create an account' }).click();
  await page.getByRole('heading', { name: 'Create your account' }).waitFor();
  await page.getByLabel('Username').fill(person.username);
  await page.getByLabel(/^Name/).fill(person.name);
  await page.getByLabel('Password').fill(person.password);
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.getByRole('heading', { name: 'Sign in', exact: true }).waitFor();
  assert.equal(await page.getByLabel('Username').inputValue(), person.username);
  await page.getByLabel('Password').fill(person.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

if (chromiumAvailable()) {
  describe("a customer's journey in the platform's console (Chromium): sign up, an account, a team, an app client", () => {
    let server: TestServer;
    let browser: Browser;

    before(async () => {
      server = await startTestServer({ name: 'sqlite' }, { GATEHOUSE_SIGNUP: 'on' });
      const { platform, tenants } = server.server.gatehouse;
      // The platform's role template every account may give its app clients.
      await platform.roles.createRole({ name: 'reader', description: 'Reads the demo API', scopes: ['demo:read'] }, systemActor());
      // Another customer's account, with a client of its own.
      await platform.tenants.create({ id: 'globex', name: 'Globex' }, systemActor());
      await (await tenants.open('globex'))!.management.clients.createClient({ name: 'Globex billing' }, systemActor());
      browser = await launchChromium();
    });
    after(async () => {
      await browser?.close();
      await server?.close();
    });

    test('the owner signs up, creates an account and invites a developer, who joins, makes an app client, uses it and revokes it', async () => {
      const owner = await watchedPage(browser, server);
      const page = owner.page;
      await page.goto(`${server.url}/console/`);
      await signUpAndIn(page, OWNER);

      // A person with no account yet: their accounts, and the form to create one.
      await heading(page, 'Your accounts').waitFor();
      await page.getByText('You are not a member of any account yet').waitFor();
      await page.getByLabel('Name', { exact: true }).fill('Acme Corp.');
      assert.equal(await page.getByLabel('Account id').inputValue(), 'acme-corp', 'the id is suggested from the name');
      assert.deepEqual(await unlabelledControls(page), []);
      await shot(page, 'your-accounts');
      await page.getByRole('button', { name: 'Create account' }).click();

      await heading(page, 'API access').waitFor();
      assert.equal(new URL(page.url()).pathname, '/console/a/acme-corp/clients');
      const accountField = page.getByRole('textbox', { name: 'Authentication URL (token endpoint)', exact: true });
      assert.equal(await accountField.inputValue(), `${server.issuer}/t/acme-corp/oauth2/token`, "the account's own authentication URL");
      assert.equal(await page.getByLabel('Account').inputValue(), 'acme-corp');
      assert.match(await textOf(page.getByRole('banner')), /Olivia Owner.*owner/);
      await shot(page, 'account-created');

      // The owner invites a developer and copies the link from the page.
      await nav(page, 'Members').click();
      await heading(page, 'Members').waitFor();
      await page
        .getByRole('row', { name: /Olivia Owner/ })
        .getByText('You')
        .waitFor();
      await page.getByRole('button', { name: 'Invite a member' }).click();
      const invite = page.getByRole('dialog', { name: 'Invite a member' });
      await invite.getByLabel('Email').fill('devon@acme.test');
      await invite.getByLabel('Role').selectOption('developer');
      await invite.getByRole('button', { name: 'Create invitation link' }).click();
      // With no SMTP server configured the message is in the data directory's outbox; the link is shown once too.
      const sent = page.getByRole('dialog', { name: 'Invitation sent' });
      const link = await sent.getByRole('textbox', { name: 'Invitation link' }).inputValue();
      assert.match(link, new RegExp(`^${server.issuer}/console/join#gate_inv_[0-9A-Za-z]+$`));
      await shot(page, 'invitation-link');
      await sent.getByRole('button', { name: 'Done' }).click();
      await page.getByRole('table', { name: 'Invitations' }).getByText('devon@acme.test').waitFor();

      // The developer opens the link in their own browser, signs up, and joins.
      const developer = await watchedPage(browser, server);
      await developer.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: new URL(server.issuer).origin });
      const dev = developer.page;
      await dev.goto(link);
      await signUpAndIn(dev, DEVELOPER);
      await heading(dev, 'Join an account').waitFor();
      await dev.getByRole('button', { name: 'Join Acme Corp.' }).waitFor();
      assert.match(await textOf(dev.getByRole('main')), /Acme Corp\..*invited to join as developer.*devon@acme\.test/);
      assert.equal(new URL(dev.url()).hash, '', 'the token is taken out of the address');
      await shot(dev, 'join');
      await dev.getByRole('button', { name: 'Join Acme Corp.' }).click();
      await heading(dev, 'API access').waitFor();
      assert.equal(new URL(dev.url()).pathname, '/console/a/acme-corp/clients');
      assert.match(await textOf(dev.getByRole('banner')), /Devon Dev.*developer/);

      // An app client with the platform's role, its credentials copied from the page.
      await dev.getByRole('button', { name: 'Create app client' }).first().click();
      const dialog = dev.getByRole('dialog', { name: 'Create app client' });
      await dialog.getByLabel('Name', { exact: true }).fill('Orders sync');
      await dialog.getByRole('checkbox', { name: /^reader/ }).check();
      await dialog.getByRole('button', { name: 'Create', exact: true }).click();
      const created = dev.getByRole('dialog', { name: 'App client created' });
      await created.waitFor();
      const copied = async (button: string) => {
        await created.getByRole('button', { name: button }).click();
        return (await dev.evaluate('navigator.clipboard.readText()')) as string;
      };
      const clientId = await copied('Copy client ID');
      const clientSecret = await copied('Copy client secret');
      assert.equal(clientId, await created.getByRole('textbox', { name: 'Client ID', exact: true }).inputValue());
      assert.match(clientSecret, /^gate_cs_/);
      await shot(dev, 'client-created');
      await created.getByRole('button', { name: 'Done' }).click();
      await heading(dev, 'Orders sync').waitFor();
      await nav(dev, 'API access').click();
      await dev.getByRole('button', { name: 'Copy authentication url (token endpoint)' }).click();
      const tokenUrl = (await dev.evaluate('navigator.clipboard.readText()')) as string;
      assert.equal(tokenUrl, `${server.issuer}/t/acme-corp/oauth2/token`);

      // Traded at that URL for a token the platform's API takes.
      const issued = await fetch(tokenUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basicAuth({ clientId, clientSecret }) },
        body: 'grant_type=client_credentials',
      });
      const tokenBody = (await issued.json()) as { access_token: string; scope: string };
      assert.equal(issued.status, 200, JSON.stringify(tokenBody));
      assert.equal(tokenBody.scope, 'demo:read');
      const items = await getWith(server, '/api/demo/items', `Bearer ${tokenBody.access_token}`);
      assert.equal(items.status, 200, items.text);

      // The developer revokes it; its token is refused at once.
      await dev
        .getByRole('link', { name: /Orders sync/ })
        .first()
        .click();
      await heading(dev, 'Orders sync').waitFor();
      await dev.getByRole('button', { name: 'Revoke app client' }).click();
      await dev.getByRole('alertdialog', { name: 'Revoke Orders sync?' }).getByRole('button', { name: 'Revoke', exact: true }).click();
      await dev.locator('.page-header').getByText('Revoked', { exact: true }).waitFor();
      assert.equal((await getWith(server, '/api/demo/items', `Bearer ${tokenBody.access_token}`)).status, 401);

      // What the developer may not do is refused in words, and nothing changes.
      await nav(dev, 'Members').click();
      await heading(dev, 'Members').waitFor();
      assert.equal(await dev.getByRole('button', { name: 'Invite a member' }).count(), 0, 'a developer invites nobody');

      // The other customer's account shows none of it, and is not theirs to open.
      await dev.goto(`${server.url}/console/a/globex/clients`);
      await dev.getByRole('heading', { name: 'You are not a member of this account' }).waitFor();
      await shot(dev, 'not-a-member');
      const globex = (await server.server.gatehouse.tenants.open('globex'))!;
      assert.deepEqual(
        (await globex.management.clients.listClients()).items.map((client) => client.name).filter((name) => !name.startsWith('Gatehouse')),
        ['Globex billing'],
      );
      assert.deepEqual(await globex.repositories.members.list(), []);
      const acme = (await server.server.gatehouse.tenants.open('acme-corp'))!;
      assert.equal(
        (await acme.management.clients.listClients()).items.some((client) => client.name === 'Globex billing'),
        false,
      );
      // The owner's console lists the developer as a member now.
      await page.reload();
      await heading(page, 'Members').waitFor();
      await page.getByRole('row', { name: /Devon Dev/ }).waitFor();
      await shot(page, 'members');
      // Made a viewer, the developer reads and no longer gets the button to create an app client.
      await page.getByRole('combobox', { name: 'Role of Devon Dev' }).selectOption('viewer');
      await page.getByText('Devon Dev is viewer now.').waitFor();
      await dev.goto(`${server.url}/console/a/acme-corp/clients`);
      await heading(dev, 'API access').waitFor();
      await dev.getByText('Orders sync').first().waitFor();
      assert.equal(await dev.getByRole('button', { name: 'Create app client' }).count(), 0);
      assert.match(await textOf(dev.getByRole('banner')), /viewer/);
      await dev
        .getByRole('link', { name: /Orders sync/ })
        .first()
        .click();
      await heading(dev, 'Orders sync').waitFor();
      await dev.getByRole('heading', { name: 'Details', exact: true }).waitFor();
      assert.equal(await dev.getByRole('button', { name: 'Delete app client' }).count(), 0, 'a viewer deletes nothing');
      assert.equal(await dev.getByRole('button', { name: 'Save changes' }).count(), 0);
      assert.deepEqual([...owner.problems, ...developer.problems], []);
    });
  });
}
