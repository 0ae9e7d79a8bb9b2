import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser, Locator } from 'playwright-core';
import { systemActor } from '../src/admin/audit-log.js';
import { chromiumAvailable, launchChromium, SCREENSHOTS } from './helpers/chromium.js';
import { describedText, heading, nav, settled, signIn, textOf, unlabelledControls, watchedPage } from './helpers/console-page.js';
import { startTestServer, type TestServer } from './helpers/server.js';

const ADA = { username: 'ada', password: 'correct horse battery' };
const ORDERS = 'https://orders.openapi.test';
const CATALOG = 'https://catalog.openapi.test';

const ORDERS_YAML = `openapi: 3.0.3
info:
  title: Orders
  version: 1.2.0
paths:
  /orders:
    get:
      responses:
        '200':
          description: OK
`;

/** A catalog document of `operations` GET operations, as the local server serves it. */
const catalog = (version: string, operations: number) =>
  JSON.stringify({
    openapi: '3.1.0',
    info: { title: 'Catalog', version },
    paths: Object.fromEntries(
      Array.from({ length: operations }, (_, at) => [`/items/${at}`, { get: { responses: { '200': { description: 'OK' } } } }]),
    ),
  });

/** A row's text once the list read again after a change shows `expected` (or as it is after a few seconds). */
const rowText = (row: Locator, expected: RegExp): Promise<string> =>
  settled(
    () => textOf(row),
    (text) => expected.test(text),
  );

if (chromiumAvailable()) {
  describe("an API's OpenAPI document in the console (Chromium)", () => {
    let server: TestServer;
    let browser: Browser;
    let documents: Server;
    let served = catalog('1.0.0', 2);

    before(async () => {
      documents = createServer((_request, response) => response.writeHead(200, { 'content-type': 'application/json' }).end(served));
      await new Promise<void>((resolve) => documents.listen(0, '127.0.0.1', resolve));
      server = await startTestServer({ name: 'sqlite' }, { GATEHOUSE_DEV_ALLOW_LOOPBACK_FETCH: 'on' });
      const { management } = server.server.gatehouse;
      await management.users.createUser({ ...ADA, roles: [await management.roles.ensureAdminRole()] }, systemActor());
      await management.apis.createApi({ identifier: CATALOG, name: 'Catalog', scopes: ['catalog:read'] }, systemActor());
      browser = await launchChromium();
    });
    after(async () => {
      await browser?.close();
      await server?.close();
      documents?.closeAllConnections();
      await new Promise((resolve) => documents?.close(resolve));
    });

    test('a document uploaded as a file is read in the browser and stored; a URL is fetched, and Refresh fetches it again', async () => {
      const { context, page, problems } = await watchedPage(browser, server);
      await page.goto(`${server.url}/console/apis`);
      await signIn(page, ADA);
      await nav(page, 'APIs').click();
      await heading(page, 'APIs').waitFor();
      await page.getByRole('button', { name: 'Register API' }).first().click();
      const dialog = page.getByRole('dialog', { name: 'Register API' });
      await dialog.getByLabel('Identifier').fill(ORDERS);
      await dialog.getByLabel('Name').fill('Orders');
      await dialog.getByLabel('Upload a file').check();
      // What the page refuses before asking the server: no file chosen.
      await dialog.getByRole('button', { name: 'Register API' }).click();
      await dialog.getByText('Choose the OpenAPI document’s file (JSON or YAML).').waitFor();
      // What only the server can say, beside the file: a Swagger 2.0 document.
      const file = dialog.getByLabel('OpenAPI document file');
      await file.setInputFiles({
        name: 'old.json',
        mimeType: 'application/json',
        buffer: Buffer.from(JSON.stringify({ swagger: '2.0', info: { title: 'Old', version: '1' }, paths: {} })),
      });
      await dialog.getByRole('button', { name: 'Register API' }).click();
      await dialog.getByText(/is a Swagger 2\.0 document; only OpenAPI 3\.0 and 3\.1 are taken/).waitFor();
      assert.equal(await file.getAttribute('aria-invalid'), 'true');
      assert.match(await describedText(file), /Swagger 2\.0/);
      await file.setInputFiles({ name: 'orders.yaml', mimeType: 'application/yaml', buffer: Buffer.from(ORDERS_YAML) });
      await page.screenshot({ path: join(SCREENSHOTS, 'console-api-openapi-upload.png'), fullPage: true });
      await dialog.getByRole('button', { name: 'Register API' }).click();
      await page.getByText('API "Orders" registered.').waitFor();
      const ordersRow = page.getByRole('row').filter({ hasText: ORDERS });
      assert.match(await rowText(ordersRow, /Uploaded/), /Orders 1\.2\.0, 1 operation\s*Uploaded/);
      const { apis } = server.server.gatehouse.management;
      assert.equal(JSON.parse(await apis.openApiDocument(ORDERS)).info.version, '1.2.0');
      assert.equal(
        await ordersRow.getByRole('button', { name: /^Refresh/ }).count(),
        0,
        'an uploaded document has nothing to refresh from',
      );
      // A documented API opens in the playground with it picked; one without a document has no such link.
      assert.equal(
        await ordersRow.getByRole('link', { name: 'Try Orders in the playground' }).getAttribute('href'),
        `${server.issuer}/playground/?api=${encodeURIComponent(ORDERS)}`,
      );
      assert.equal(
        await page
          .getByRole('row')
          .filter({ hasText: CATALOG })
          .getByRole('link', { name: /playground/ })
          .count(),
        0,
      );

      // Catalog's document, from its URL.
      const url = `http://127.0.0.1:${(documents.address() as AddressInfo).port}/openapi.json`;
      await page.getByRole('button', { name: 'Edit Catalog' }).click();
      const edit = page.getByRole('dialog', { name: 'Edit Catalog' });
      await edit.getByLabel('From a URL').check();
      await edit.getByLabel('OpenAPI document URL').fill(url);
      await edit.getByRole('button', { name: 'Save API' }).click();
      await page.getByText('API "Catalog" saved.').waitFor();
      const catalogRow = page.getByRole('row').filter({ hasText: CATALOG });
      const fetched = new RegExp(`Catalog 1\\.0\\.0, 2 operations\\s*From ${url.replace(/\./g, '\\.')}`);
      assert.match(await rowText(catalogRow, fetched), fetched);
      served = catalog('2.0.0', 5);
      await catalogRow.getByRole('button', { name: 'Refresh the OpenAPI document of Catalog' }).click();
      await page.getByText('The OpenAPI document of "Catalog" was fetched again: Catalog 2.0.0, 5 operations.').waitFor();
      assert.match(await rowText(catalogRow, /2\.0\.0/), /Catalog 2\.0\.0, 5 operations/);
      assert.equal((await apis.listApis()).items.find((entry) => entry.identifier === CATALOG)?.openapi?.version, '2.0.0');
      await page.screenshot({ path: join(SCREENSHOTS, 'console-apis-openapi.png'), fullPage: true });
      assert.deepEqual(await unlabelledControls(page), []);

      // Removing it: the edit dialog offers to keep or remove what is there.
      await page.getByRole('button', { name: 'Edit Orders' }).click();
      const again = page.getByRole('dialog', { name: 'Edit Orders' });
      assert.ok(await again.getByLabel('Keep it').isChecked());
      await again.getByLabel('Remove it').check();
      await again.getByRole('button', { name: 'Save API' }).click();
      await page.getByText('API "Orders" saved.').waitFor();
      // The list is read again after the notice shows: the link goes with the document.
      await ordersRow.getByRole('link', { name: /playground/ }).waitFor({ state: 'detached' });
      assert.equal((await apis.listApis()).items.find((entry) => entry.identifier === ORDERS)?.openapi, null);
      await page.setViewportSize({ width: 420, height: 880 });
      await page.screenshot({ path: join(SCREENSHOTS, 'console-apis-openapi-420.png'), fullPage: true });
      assert.deepEqual(problems, []);
      await context.close();
    });
  });
}
