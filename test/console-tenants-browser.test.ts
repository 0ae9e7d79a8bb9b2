import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser, Locator, Page } from 'playwright-core';
import { systemActor } from '../src/admin/audit-log.js';
import { chromiumAvailable, launchChromium, SCREENSHOTS } from './helpers/chromium.js';
import { focusReaches, heading, nav, settled, signIn, textOf, unlabelledControls, watchedPage } from './helpers/console-page.js';
import { startTestServer, type TestServer } from './helpers/server.js';
import { createTenants } from './helpers/tenants.js';

/**
 * The console's Tenants page in a real browser, as a platform operator uses it: page through 120 tenants 50 at a
 * time, search them, create one (the server's errors beside the field), suspend, resume and delete one, and read it
 * all at 420 px without scrolling sideways. Screenshots: test-artifacts/screenshots/tenants-*.png.
 */

const OPERATOR = { username: 'operator', password: 'Tq8#vLm2!pZr5wXe' };
const NUMBERED = 117;
const NORTHWIND = ['northwind-east', 'northwind-north', 'northwind-west'];

/** A screenshot of the window (a dialog covers it, not the page beneath), or of the whole page with `fullPage`. */
const shot = (page: Page, name: string, fullPage = false) => page.screenshot({ path: join(SCREENSHOTS, `tenants-${name}.png`), fullPage });

/** The ids in the table's rows, in their order on the page. */
const shownIds = (table: Locator) => table.locator('tbody tr td:first-child code').allTextContents();

/** Waits until the table shows exactly these ids (a page or a search answered), then returns them. */
const showsIds = (table: Locator, ids: string[]): Promise<string[]> =>
  settled(
    () => shownIds(table),
    (shown) => shown.join() === ids.join(),
  );

/** True when the page is no wider than the window: nothing to scroll sideways. */
const fitsWidth = (page: Page): Promise<boolean> => page.evaluate('document.documentElement.scrollWidth <= window.innerWidth');
/** True when the table scrolls nothing inside its frame either. */
const tableFits = (page: Page): Promise<boolean> =>
  page.evaluate(`[...document.querySelectorAll('.table-wrap')].every((wrap) => wrap.scrollWidth <= wrap.clientWidth)`);

if (chromiumAvailable()) {
  describe("the console's Tenants page in a real browser (Chromium)", () => {
    let server: TestServer;
    let browser: Browser;
    let operator: Awaited<ReturnType<typeof watchedPage>>;
    let allIds: string[];

    before(async () => {
      server = await startTestServer({ name: 'sqlite' });
      const { management } = server.server.gatehouse;
      await management.users.createUser({ ...OPERATOR, name: 'Olga Operator', roles: [await management.roles.ensureAdminRole()] });
      browser = await launchChromium();
      operator = await watchedPage(browser, server);
      await operator.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: new URL(server.issuer).origin });
      await operator.page.goto(`${server.url}/console`);
      await signIn(operator.page, OPERATOR);
      await heading(operator.page, 'API access').waitFor();
    });
    after(async () => {
      await operator?.context.close();
      await browser?.close();
      await server?.close();
    });

    test('a platform with only its own tenant shows the empty state', async () => {
      const { page } = operator;
      await nav(page, 'Tenants').click();
      await heading(page, 'Tenants').waitFor();
      assert.equal(await nav(page, 'Tenants').getAttribute('aria-current'), 'page');
      assert.equal(new URL(page.url()).pathname, '/console/tenants');
      await page.getByRole('heading', { name: 'No tenants yet' }).waitFor();
      assert.equal(await page.getByRole('button', { name: 'Create tenant' }).count(), 2, 'in the header and in the empty state');
      await shot(page, 'empty');
    });

    test('pages through the tenants 50 at a time in id order, forward and back, and copies an issuer', async () => {
      const { platform } = server.server.gatehouse;
      for (let n = 1; n <= NUMBERED; n++) {
        const id = `tenant-${String(n).padStart(3, '0')}`;
        await platform.tenants.create({ id, name: `Customer ${n}` }, systemActor());
      }
      for (const id of NORTHWIND) await platform.tenants.create({ id, name: `Northwind Traders ${id.slice(10)}` }, systemActor());
      // The store's own order (keyset paging by id), the default tenant among them.
      allIds = (await platform.tenants.list({ limit: 500 })).tenants.map((tenant) => tenant.id);
      assert.equal(allIds.length, NUMBERED + NORTHWIND.length + 1);
      // Loaded afresh: the console signs in again silently (its session exists) and lands on the same page.
      const { page } = operator;
      await page.reload();
      await heading(page, 'Tenants').waitFor();
      const table = page.getByRole('table', { name: 'Tenants' });
      const previous = page.getByRole('button', { name: 'Previous' });
      const next = page.getByRole('button', { name: 'Next' });

      assert.deepEqual(await showsIds(table, allIds.slice(0, 50)), allIds.slice(0, 50), 'page 1: the first 50 by id');
      assert.equal(await previous.isDisabled(), true);
      assert.deepEqual(await unlabelledControls(page), []);
      // A row: name, id, status, issuer, creation; the default tenant is the platform's own and has no actions.
      const row = table.locator('tbody tr').filter({ hasText: 'tenant-001' });
      const cells = await row.getByRole('cell').allTextContents();
      assert.deepEqual(cells.slice(0, 3), ['Customer 1tenant-001', 'Active', `${server.issuer}/t/tenant-001`]);
      assert.match(cells[3]!, /\d/, 'its creation time');
      assert.equal(cells[4], 'InviteSuspendDelete');
      const platformRow = table.locator('tbody tr').filter({ has: page.locator('code', { hasText: /^default$/ }) });
      const platformCells = await platformRow.getByRole('cell').allTextContents();
      assert.deepEqual([...platformCells.slice(0, 3), platformCells[4]], ['DefaultPlatformdefault', 'Active', server.issuer, '']);
      assert.equal(await platformRow.getByRole('button', { name: /Suspend|Delete/ }).count(), 0);
      await row.getByRole('button', { name: 'Copy issuer of tenant-001' }).click();
      await row.getByText('Issuer of tenant-001 copied to the clipboard').waitFor();
      assert.equal(await page.evaluate('navigator.clipboard.readText()'), `${server.issuer}/t/tenant-001`);
      await shot(page, 'list', true);

      await next.click();
      assert.deepEqual(await showsIds(table, allIds.slice(50, 100)), allIds.slice(50, 100), 'page 2: the next 50');
      await page.getByText('Page 2 · 50 tenants').waitFor();
      await next.click();
      assert.deepEqual(await showsIds(table, allIds.slice(100)), allIds.slice(100), 'page 3: the rest');
      assert.equal(allIds.slice(100).length, 21);
      assert.equal(await next.isDisabled(), true, 'no page after the last');
      await previous.click();
      assert.deepEqual(await showsIds(table, allIds.slice(50, 100)), allIds.slice(50, 100), 'back to page 2');
      await previous.click();
      assert.deepEqual(await showsIds(table, allIds.slice(0, 50)), allIds.slice(0, 50), 'back to page 1');
      assert.equal(await previous.isDisabled(), true);
    });

    test('search narrows the list to the tenants whose id starts with it or whose name contains it', async () => {
      const { page } = operator;
      const table = page.getByRole('table', { name: 'Tenants' });
      const search = page.getByRole('searchbox', { name: 'Search tenants' });
      await search.fill('northwind');
      assert.deepEqual(await showsIds(table, NORTHWIND), NORTHWIND, 'an id prefix');
      await search.fill('traders WE');
      assert.deepEqual(await showsIds(table, ['northwind-west']), ['northwind-west'], 'a name substring, in any case');
      await search.fill('Customer 11');
      const elevens = ['tenant-011', ...Array.from({ length: 8 }, (_, i) => `tenant-${110 + i}`)];
      assert.deepEqual(await showsIds(table, elevens), elevens);
      assert.equal(await page.getByRole('button', { name: 'Next' }).isDisabled(), true);
      await shot(page, 'search', true);
      // Enter searches at once, without waiting for the pause in typing.
      await search.fill('nobody-here');
      await search.press('Enter');
      await table.getByText('No tenant matches “nobody-here”.').waitFor();
      await shot(page, 'no-match');
      await search.fill('');
      assert.deepEqual(await showsIds(table, allIds.slice(0, 50)), allIds.slice(0, 50));
    });

    test('creates a tenant through the dialog; the server refuses a bad id beside the field', async () => {
      const { page } = operator;
      const { platform } = server.server.gatehouse;
      // The keyboard alone opens the dialog; the id has focus; Escape closes it and focus goes back.
      const createButton = page.getByRole('button', { name: 'Create tenant' });
      await createButton.focus();
      await page.keyboard.press('Enter');
      const dialog = page.getByRole('dialog', { name: 'Create tenant' });
      await dialog.waitFor();
      assert.equal(await focusReaches(page, 'Tenant id'), 'Tenant id');
      await page.keyboard.press('Escape');
      await dialog.waitFor({ state: 'detached' });
      assert.equal(await focusReaches(page, 'Create tenant'), 'Create tenant');

      await createButton.click();
      const id = dialog.getByRole('textbox', { name: 'Tenant id' });
      assert.match(await textOf(dialog), /Lowercase letters, digits and inner hyphens, 1–32 characters/, 'the rule is shown');
      // Nothing typed: the dialog says so without asking the server.
      await dialog.getByRole('button', { name: 'Create tenant' }).click();
      await dialog.getByText('Enter an id for the tenant.').waitFor();
      assert.equal(await id.getAttribute('aria-invalid'), 'true');

      /** The error shown under the id field, which the field names as its description. */
      const idError = async (): Promise<string> => {
        const described = (await id.getAttribute('aria-describedby')) ?? '';
        const errorId = described.split(' ').find((part) => part.endsWith('-error'));
        assert.ok(errorId, `the id field is described by its error: ${described}`);
        return textOf(dialog.locator(`[id="${errorId}"]`));
      };
      await dialog.getByRole('textbox', { name: 'Name' }).fill('Globex Corporation');
      await id.fill('Globex_Corp');
      await dialog.getByRole('button', { name: 'Create tenant' }).click();
      await dialog.getByText('is not a tenant id').waitFor();
      assert.equal(
        await idError(),
        '"Globex_Corp" is not a tenant id: use 1–32 lowercase letters, digits and inner hyphens (for example "acme-corp").',
      );
      assert.equal(await id.getAttribute('aria-invalid'), 'true');
      assert.equal(await focusReaches(page, 'Tenant id'), 'Tenant id', 'focus is on the field the server refused');
      assert.equal(await dialog.getByRole('alert').count(), 0, 'the error is beside the field, not at the foot of the dialog');
      assert.deepEqual(await unlabelledControls(page), []);
      await shot(page, 'create-error');
      await id.fill('admin');
      await dialog.getByRole('button', { name: 'Create tenant' }).click();
      await dialog.getByText('is reserved').waitFor();
      assert.equal(await idError(), '"admin" is reserved; choose another tenant id.');
      await id.fill('tenant-001');
      await dialog.getByRole('button', { name: 'Create tenant' }).click();
      await dialog.getByText('exists already').waitFor();
      assert.equal(await idError(), 'Tenant "tenant-001" exists already.');

      await id.fill('globex');
      await dialog.getByRole('textbox', { name: 'Max app clients' }).fill('5');
      await dialog.getByRole('textbox', { name: 'Max users' }).fill('250');
      await shot(page, 'create');
      await dialog.getByRole('button', { name: 'Create tenant' }).click();
      const created = page.getByRole('dialog', { name: 'Tenant created' });
      await created.waitFor();
      const issuer = `${server.issuer}/t/globex`;
      assert.equal(await created.getByRole('textbox', { name: 'Issuer', exact: true }).inputValue(), issuer);
      const tokenEndpoint = await created.getByRole('textbox', { name: 'Token endpoint' }).inputValue();
      const discovery = (await (await fetch(`${issuer}/.well-known/openid-configuration`)).json()) as { token_endpoint: string };
      assert.equal(tokenEndpoint, discovery.token_endpoint, "the shown token endpoint is the tenant's own");
      await created.getByRole('button', { name: 'Copy token endpoint' }).click();
      assert.equal(await page.evaluate('navigator.clipboard.readText()'), tokenEndpoint);
      await shot(page, 'created');
      await created.getByRole('button', { name: 'Done' }).click();
      await created.waitFor({ state: 'detached' });

      const stored = await platform.tenants.get('globex');
      assert.equal(stored.name, 'Globex Corporation');
      assert.equal(stored.status, 'active');
      assert.deepEqual(stored.quotas, { max_clients: 5, max_users: 250 });
    });

    test('suspends a tenant after a confirmation, resumes it, and deletes it once its id is typed', async () => {
      const { page } = operator;
      const { platform } = server.server.gatehouse;
      const table = page.getByRole('table', { name: 'Tenants' });
      await page.getByRole('searchbox', { name: 'Search tenants' }).fill('globex');
      assert.deepEqual(await showsIds(table, ['globex']), ['globex']);
      const row = table.locator('tbody tr').filter({ hasText: 'globex' });

      // Its first owner is invited from here: the link is mailed (to the outbox here) and shown once.
      await row.getByRole('button', { name: 'Invite someone to globex' }).click();
      const invite = page.getByRole('dialog', { name: 'Invite to Globex Corporation' });
      await invite.getByLabel('Email').fill('boss@globex.test');
      assert.match(await invite.getByLabel('Role').inputValue(), /^owner$/);
      await invite.getByRole('button', { name: 'Create invitation link' }).click();
      const sent = page.getByRole('dialog', { name: 'Invitation sent' });
      const link = await sent.getByRole('textbox', { name: 'Invitation link' }).inputValue();
      assert.match(link, /\/console\/join#gate_inv_/);
      const pending = await (await server.server.gatehouse.tenants.open('globex'))!.management.members.invitations();
      assert.deepEqual(
        pending.map((i) => [i.email, i.role]),
        [['boss@globex.test', 'owner']],
      );
      await sent.getByRole('button', { name: 'Done' }).click();

      await row.getByRole('button', { name: 'Suspend globex' }).click();
      const suspend = page.getByRole('alertdialog', { name: 'Suspend Globex Corporation?' });
      await suspend.waitFor();
      assert.match(await textOf(suspend), /Every token of globex is refused at once/);
      await shot(page, 'suspend-confirm');
      await suspend.getByRole('button', { name: 'Cancel' }).click();
      await suspend.waitFor({ state: 'detached' });
      assert.equal((await platform.tenants.get('globex')).status, 'active', 'Cancel suspends nothing');
      await row.getByRole('button', { name: 'Suspend globex' }).click();
      await suspend.getByRole('button', { name: 'Suspend tenant' }).click();
      await suspend.waitFor({ state: 'detached' });
      await row.getByText('Suspended', { exact: true }).waitFor();
      await page.getByRole('status').getByText('Globex Corporation (globex) suspended.').waitFor();
      assert.equal((await platform.tenants.get('globex')).status, 'suspended');
      const refused = await fetch(`${server.issuer}/t/globex/.well-known/openid-configuration`);
      assert.equal(refused.status, 403, 'a suspended tenant is closed');
      assert.equal(((await refused.json()) as { error: string }).error, 'access_denied');

      await row.getByRole('button', { name: 'Resume globex' }).click();
      await row.getByText('Active', { exact: true }).waitFor();
      assert.equal((await platform.tenants.get('globex')).status, 'active');

      await row.getByRole('button', { name: 'Delete globex' }).click();
      const remove = page.getByRole('alertdialog', { name: 'Delete Globex Corporation?' });
      await remove.waitFor();
      assert.match(await textOf(remove), /All the data of globex is purged/);
      const confirmDelete = remove.getByRole('button', { name: 'Delete tenant' });
      assert.equal(await confirmDelete.isDisabled(), true, 'not before the id is typed');
      await remove.getByRole('textbox', { name: 'Type globex to confirm' }).fill('globe');
      assert.equal(await confirmDelete.isDisabled(), true, 'nor with another text');
      await remove.getByRole('textbox', { name: 'Type globex to confirm' }).fill('globex');
      await shot(page, 'delete-confirm');
      await confirmDelete.click();
      await remove.waitFor({ state: 'detached' });
      await table.getByText('No tenant matches “globex”.').waitFor();
      await assert.rejects(platform.tenants.get('globex'), /no tenant "globex"/);
      await page.getByRole('searchbox', { name: 'Search tenants' }).fill('');
      await showsIds(table, allIds.slice(0, 50));
      assert.deepEqual(operator.problems, []);
    });

    test('at 420 px the list, its search and the dialogs fit the window: no sideways scrolling', async () => {
      const { page } = operator;
      await page.setViewportSize({ width: 420, height: 860 });
      try {
        const table = page.getByRole('table', { name: 'Tenants' });
        await table.locator('tbody tr').first().waitFor();
        assert.equal(await fitsWidth(page), true, 'the tenant list fits 420 px');
        assert.equal(await tableFits(page), true, 'the table does not scroll inside its frame');
        await shot(page, 'list-420');
        await page.getByRole('button', { name: 'Create tenant' }).click();
        const dialog = page.getByRole('dialog', { name: 'Create tenant' });
        await dialog.getByRole('textbox', { name: 'Tenant id' }).fill('Bad Id');
        await dialog.getByRole('textbox', { name: 'Name' }).fill('Bad');
        await dialog.getByRole('button', { name: 'Create tenant' }).click();
        await dialog.getByText('is not a tenant id').waitFor();
        assert.equal(await dialog.getByRole('textbox', { name: 'Tenant id' }).getAttribute('aria-invalid'), 'true');
        assert.equal(await fitsWidth(page), true, 'the dialog fits 420 px');
        await shot(page, 'create-420');
        await dialog.getByRole('button', { name: 'Cancel' }).click();
        const row = table.locator('tbody tr').filter({ hasText: 'tenant-001' });
        await row.getByRole('button', { name: 'Delete tenant-001' }).click();
        await page.getByRole('alertdialog', { name: 'Delete Customer 1?' }).waitFor();
        assert.equal(await fitsWidth(page), true, 'the confirmation fits 420 px');
        await shot(page, 'delete-420');
        await page.keyboard.press('Escape');
        assert.equal((await server.server.gatehouse.platform.tenants.get('tenant-001')).status, 'active', 'Escape deletes nothing');
        assert.deepEqual(operator.problems, []);
      } finally {
        await page.setViewportSize({ width: 1360, height: 880 });
      }
    });

    test("a tenant's own console has no Tenants page: the platform's API is not its admins'", async () => {
      const acme = (await createTenants(server, 'acme'))[0]!;
      const admin = { username: 'acme-admin', password: 'correct horse battery' };
      await acme.management.users.createUser({ ...admin, roles: [await acme.management.roles.ensureAdminRole()] });
      const { context, page, problems } = await watchedPage(browser, server);
      try {
        await page.goto(`${server.url}/t/acme/console`);
        await signIn(page, admin);
        await heading(page, 'API access').waitFor();
        assert.equal(await nav(page, 'Audit log').count(), 1);
        assert.equal(await nav(page, 'Tenants').count(), 0, 'no Tenants entry');
        await page.goto(`${server.url}/t/acme/console/tenants`);
        await heading(page, 'Page not found').waitFor();
        assert.deepEqual(problems, []);
      } finally {
        await context.close();
      }
    });
  });
}
