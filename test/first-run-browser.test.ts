import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { chromiumAvailable, launchChromium, SCREENSHOTS } from './helpers/chromium.js';
import { eventually, freshStoreEnv, type ServeProcess, spawnServe } from './helpers/cli.js';
import { heading, nav, unlabelledControls } from './helpers/console-page.js';
import { freePort } from './helpers/server.js';

/**
 * The operator's first run in a real browser: `gatehouse serve` on an empty store prints a setup code; the front page
 * leads to the setup page, the code from the output makes the first administrator, who lands in the console signed
 * in. Screenshots: test-artifacts/screenshots/first-run-*.png.
 */

const ADMIN = { username: 'operator', password: 'Tq8#vLm2!pZr5wXe', email: 'ops@example.com', name: 'Olga Operator' };
const shot = (page: Page, name: string) => page.screenshot({ path: join(SCREENSHOTS, `first-run-${name}.png`), fullPage: true });

if (chromiumAvailable()) {
  describe("the operator's first run in a real browser (Chromium)", () => {
    const cleanup: (() => Promise<void>)[] = [];
    let serve: ServeProcess;
    let browser: Browser;
    let code: string;

    before(async () => {
      const port = String(await freePort());
      // Behind a trusted proxy the code is asked even of a browser on this machine, as it is of one elsewhere.
      const env = { ...(await freshStoreEnv({ name: 'sqlite' }, cleanup)), PORT: port, GATEHOUSE_ISSUER: `http://127.0.0.1:${port}` };
      serve = await spawnServe({ ...env, GATEHOUSE_TRUST_PROXY: '1' }, env.GATEHOUSE_ISSUER);
      const output = await eventually(
        async () => serve.output(),
        (text) => text.includes('enter the setup code'),
      );
      code = /enter the setup code ([0-9A-Z-]+) /.exec(output)![1]!;
      browser = await launchChromium();
    });
    after(async () => {
      await browser?.close();
      await serve?.stop();
      for (const step of cleanup.reverse()) await step();
    });

    test('from the front page to the setup page, the code from the output, and into the console signed in', async () => {
      const context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
      const page = await context.newPage();
      const problems: string[] = [];
      page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
      page.on('console', (message) => {
        if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) problems.push(message.text());
      });

      await page.goto(`${serve.url}/`);
      await page.getByRole('status').filter({ hasText: 'There is no administrator yet' }).waitFor();
      await shot(page, 'front-page');
      await page.getByRole('link', { name: 'Set up Gatehouse' }).click();

      await heading(page, 'Set up Gatehouse').waitFor();
      assert.deepEqual(await unlabelledControls(page), []);
      // A wrong code first: refused next to the form, nothing made.
      await page.getByLabel('Setup code').fill('AAAA-BBBB-CCCC-DDDD-EEEE-FFFF-GGGG');
      await page.getByLabel('Username').fill(ADMIN.username);
      await page.getByLabel('Password').fill(ADMIN.password);
      await page.getByRole('button', { name: 'Create administrator' }).click();
      await page.getByRole('alert').filter({ hasText: 'That setup code is not the one the server printed' }).waitFor();
      assert.equal(await page.getByLabel('Username').inputValue(), ADMIN.username, 'what was typed stays');
      await shot(page, 'wrong-code');

      await page.getByLabel('Setup code').fill(code);
      await page.getByLabel('Password').fill(ADMIN.password);
      await page.getByLabel('Email (optional)').fill(ADMIN.email);
      await page.getByLabel('Name (optional)').fill(ADMIN.name);
      await shot(page, 'setup-page');
      await page.getByRole('button', { name: 'Create administrator' }).click();

      // The console signs in with the session the setup page started: no sign-in form on the way. Its first page is
      // the clients page ("API access", /console/clients).
      await heading(page, 'API access').waitFor({ timeout: 10_000 });
      assert.match(page.url(), /\/console\/clients$/);
      assert.equal(await nav(page, 'API access').getAttribute('aria-current'), 'page');
      await page.getByText('No app clients yet').waitFor();
      await page.getByText(ADMIN.name, { exact: true }).waitFor();
      await shot(page, 'console-clients');

      // The setup page is gone.
      const gone = await page.goto(`${serve.url}/setup`);
      assert.equal(gone?.status(), 404);
      await heading(page, 'Gatehouse is set up').waitFor();
      await shot(page, 'set-up');
      await page.goto(`${serve.url}/`);
      assert.doesNotMatch(await page.content(), /no administrator yet/);
      assert.deepEqual(problems, []);
      await context.close();
    });
  });
}
