import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser, Locator, Page } from 'playwright-core';
import { systemActor } from '../src/admin/audit-log.js';
import type { AuditEvent } from '../src/store/audit.js';
import { chromiumAvailable, launchChromium, SCREENSHOTS } from './helpers/chromium.js';
import { heading, nav, settled, signedInConsole, unlabelledControls, type watchedPage } from './helpers/console-page.js';
import { startTestServer, type TestServer } from './helpers/server.js';

/**
 * Issue 12 item 5 in a real browser: the console's app clients, users and roles are searched and paged on the server
 * (62 clients, 50 to a page), and the audit log is filtered and exported as CSV and JSON with the console's token.
 * Screenshots: test-artifacts/screenshots/lists-*.png.
 */

const ADMIN = { username: 'admin', password: 'Tq8#vLm2!pZr5wXe' };
const NUMBERED = 60;

const shot = (page: Page, name: string) => page.screenshot({ path: join(SCREENSHOTS, `lists-${name}.png`), fullPage: true });

/** The names in the first column of a table's rows, once they equal `names` (the page or search answered). */
const showsNames = (table: Locator, names: string[]): Promise<string[]> =>
  settled(
    () => table.locator('tbody tr td:first-child a').allTextContents(),
    (shown) => shown.join() === names.join(),
  );

if (chromiumAvailable()) {
  describe("the console's lists and audit log in a real browser (Chromium)", () => {
    let server: TestServer;
    let browser: Browser;
    let admin: Awaited<ReturnType<typeof watchedPage>>;
    /** The app clients' pages as the store orders them (creation, then client id): the tenant's own, and how many built-in. */
    let clientPages: { own: string[]; builtin: number }[];

    before(async () => {
      server = await startTestServer({ name: 'sqlite' });
      const { management } = server.server.gatehouse;
      await management.users.createUser({ ...ADMIN, name: 'Ada Admin', roles: [await management.roles.ensureAdminRole()] });
      for (let n = 1; n <= NUMBERED; n++) {
        await management.clients.createClient({ name: `Service ${String(n).padStart(2, '0')}` }, systemActor());
      }
      await management.clients.createClient({ name: 'Billing service', description: 'Nightly invoicing' }, systemActor());
      await management.clients.createClient({ name: 'Shop front', description: 'Sells billing plans' }, systemActor());
      await management.users.createUser({ username: 'erin', password: ADMIN.password, email: 'erin@example.com' });
      await management.users.createUser({ username: 'frank', password: ADMIN.password, email: 'frank@corp.test' });
      await management.roles.createRole({ name: 'billing-reader', scopes: ['invoices:read'] }, systemActor());
      await management.roles.createRole({ name: 'stock-writer', scopes: ['stock:write'] }, systemActor());
      // The store's order: creation, then client id (random) within a second.
      const { items } = await management.clients.listClients({ limit: 200 });
      assert.equal(items.length, NUMBERED + 4, 'the console, the playground and the 62 made here');
      const builtin = (client: (typeof items)[number]) => client.client_id.startsWith('gatehouse-');
      clientPages = [items.slice(0, 50), items.slice(50)].map((page) => ({
        own: page.filter((client) => !builtin(client)).map((client) => client.name),
        builtin: page.filter(builtin).length,
      }));
      browser = await launchChromium();
      admin = await signedInConsole(browser, server, ADMIN);
    });
    after(async () => {
      await admin?.context.close();
      await browser?.close();
      await server?.close();
    });

    test('app clients: 50 to a page in creation order, searched on the server by name or description', async () => {
      const { page } = admin;
      const table = page.getByRole('table', { name: 'App clients' });
      const next = page.getByRole('navigation', { name: 'App client pages' }).getByRole('button', { name: 'Next' });
      const previous = page.getByRole('navigation', { name: 'App client pages' }).getByRole('button', { name: 'Previous' });
      // A page's built-in clients (the oldest, mostly on page 1) are set apart from the tenant's own.
      const [first, second] = clientPages as [{ own: string[]; builtin: number }, { own: string[]; builtin: number }];
      assert.deepEqual(await showsNames(table, first.own), first.own);
      assert.equal(await page.getByText(`Built-in clients (${first.builtin})`).count(), first.builtin ? 1 : 0);
      await page.getByText('Page 1 · 50 clients').waitFor();
      assert.equal(await previous.isDisabled(), true);
      await shot(page, 'clients');
      await next.click();
      assert.deepEqual(await showsNames(table, second.own), second.own, 'page 2: the rest');
      await page.getByText('Page 2 · 14 clients').waitFor();
      assert.equal(await next.isDisabled(), true);
      assert.equal(await page.getByText(`Built-in clients (${second.builtin})`).count(), second.builtin ? 1 : 0);

      const search = page.getByRole('searchbox', { name: 'Search app clients' });
      await search.fill('BILLING');
      const billing = [...first.own, ...second.own].filter((name) => name === 'Billing service' || name === 'Shop front');
      assert.deepEqual(await showsNames(table, billing), billing, 'by name or description, in the same order');
      await page.getByText('Page 1 · 2 clients matching “BILLING”').waitFor();
      assert.deepEqual(await unlabelledControls(page), []);
      await shot(page, 'clients-search');
      await search.fill('no such client');
      await table.getByText('No app client matches “no such client”.').waitFor();
      await search.fill('');
      assert.deepEqual(await showsNames(table, first.own), first.own, 'cleared: page 1 again');
    });

    test('users and roles are searched on the server too', async () => {
      const { page } = admin;
      await nav(page, 'Users').click();
      await heading(page, 'Users').waitFor();
      const users = page.getByRole('table', { name: 'Users' });
      assert.deepEqual(await showsNames(users, ['admin', 'erin', 'frank']), ['admin', 'erin', 'frank']);
      await page.getByRole('searchbox', { name: 'Search users' }).fill('corp.test');
      assert.deepEqual(await showsNames(users, ['frank']), ['frank'], 'by email');

      await nav(page, 'Roles & scopes').click();
      await heading(page, 'Roles & scopes').waitFor();
      const roles = page.getByRole('table', { name: 'Roles' });
      const roleNames = () => roles.locator('tbody tr td:first-child .cell-title').allTextContents();
      assert.deepEqual(await settled(roleNames, (names) => names.length === 3), ['admin', 'billing-reader', 'stock-writer']);
      await page.getByRole('searchbox', { name: 'Search roles' }).fill('stock:');
      assert.deepEqual(await settled(roleNames, (names) => names.length === 1), ['stock-writer'], 'by scope');
      await shot(page, 'roles-search');
    });

    test('the audit log: filtered by action prefix and actor, exported as CSV and JSON with the token', async () => {
      const { page } = admin;
      const { audit } = server.server.gatehouse;
      await audit.record({ actor: 'cli:ops', actor_type: 'cli', ip: '' }, 'client.revoked', '@abc', { name: '=cmd|calc' });
      await nav(page, 'Audit log').click();
      await heading(page, 'Audit log').waitFor();
      const log = page.getByRole('table', { name: 'Audit events' });
      const actions = () => log.locator('tbody tr td:nth-child(3)').allTextContents();
      await settled(actions, (shown) => shown.length === 50);

      const filters = page.getByRole('form', { name: 'Filter the audit log' });
      await filters.getByLabel('Action').fill('role.');
      await filters.getByRole('button', { name: 'Apply filters' }).click();
      assert.deepEqual(await settled(actions, (shown) => shown.length === 2), ['role.created', 'role.created']);
      await filters.getByLabel('Action').fill('client.');
      await filters.getByLabel('Actor').fill('cli:ops');
      await filters.getByRole('button', { name: 'Apply filters' }).click();
      assert.deepEqual(await settled(actions, (shown) => shown.length === 1), ['client.revoked']);
      assert.deepEqual(await unlabelledControls(page), []);
      await shot(page, 'audit-filtered');

      const csvDownload = page.waitForEvent('download');
      await filters.getByRole('button', { name: 'Export CSV' }).click();
      const csv = await csvDownload;
      assert.match(csv.suggestedFilename(), /^audit-default-\d{8}T\d{6}Z\.csv$/);
      const lines = (await readFile((await csv.path())!, 'utf8')).split('\r\n');
      assert.equal(lines[0], 'id,time,actor,actor_type,action,target,ip,details');
      assert.match(lines[1]!, /^[0-9a-z]+,\d{4}-\d\d-\d\dT[\d:.]+Z,cli:ops,cli,client\.revoked,"'@abc",,"\{""name"":""=cmd\|calc""\}"$/);
      assert.deepEqual(lines.slice(2), [''], 'the filters applied: one event');

      const jsonDownload = page.waitForEvent('download');
      await filters.getByRole('button', { name: 'Export JSON' }).click();
      const json = await jsonDownload;
      assert.match(json.suggestedFilename(), /^audit-default-\d{8}T\d{6}Z\.json$/);
      const events = JSON.parse(await readFile((await json.path())!, 'utf8')) as AuditEvent[];
      assert.deepEqual(
        events.map((event) => [event.actor, event.action, event.target]),
        [['cli:ops', 'client.revoked', '@abc']],
      );

      // The server's refusal of a filter is shown on the page.
      await filters.getByLabel('Actor').fill('');
      await filters.getByLabel('Action').fill('');
      await filters.getByLabel('From').fill('2030-01-02T00:00:00');
      await filters.getByLabel('Until').fill('2030-01-01T00:00:00');
      await filters.getByRole('button', { name: 'Apply filters' }).click();
      await page.getByText('Since must be before until.').waitFor();
      await filters.getByRole('button', { name: 'Clear' }).click();
      await settled(actions, (shown) => shown.length === 50);

      // At 420 px the filters stack and nothing scrolls sideways.
      await page.setViewportSize({ width: 420, height: 880 });
      assert.equal(await page.evaluate('document.documentElement.scrollWidth <= window.innerWidth'), true, 'no sideways scrolling');
      await page.screenshot({ path: join(SCREENSHOTS, 'lists-audit-420.png') });
      await page.setViewportSize({ width: 1360, height: 880 });
      assert.deepEqual(admin.problems, []);
    });
  });
}
