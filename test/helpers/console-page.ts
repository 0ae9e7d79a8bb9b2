import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import type { TestServer } from './server.js';

/** What the console's browser suites share: a watched page, the sign-in, and questions about the page. */

/** Every form control on the page that has no accessible name (label, aria-label or aria-labelledby). */
export const unlabelledControls = (page: Page): Promise<string[]> =>
  page.evaluate(`[...document.querySelectorAll('input, select, textarea, button')]
    .filter((control) => control.type !== 'hidden')
    .filter((control) => !(control.labels?.length || control.getAttribute('aria-label') || control.getAttribute('aria-labelledby')))
    .filter((control) => !(control.tagName === 'BUTTON' && control.textContent.trim()))
    .map((control) => control.outerHTML.slice(0, 120))`);

/** The accessible label of the focused element, or its text. */
const FOCUSED_NAME = `(document.activeElement?.labels?.[0]?.textContent ?? document.activeElement?.textContent ?? '').trim()`;
const focused = (page: Page): Promise<string | undefined> => page.evaluate(FOCUSED_NAME);

/**
 * Reads `read` until `done` accepts its value or a few seconds pass, and returns the last value, for the caller's
 * assertion to show. Polled from here: the console's CSP (no unsafe-eval) refuses page.waitForFunction's strings.
 */
export async function settled<T>(read: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
  const deadline = Date.now() + 5000;
  let value = await read();
  while (!done(value) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    value = await read();
  }
  return value;
}

/** Focus moves in a later frame (the dialog closes first); wait for it rather than read it once. */
export const focusReaches = (page: Page, name: string): Promise<string | undefined> =>
  settled(
    () => focused(page),
    (value) => value === name,
  );

/** A browser context that records what must never happen: requests to other origins, and errors (CSP violations). */
export async function watchedPage(
  browser: Browser,
  server: TestServer,
): Promise<{ context: BrowserContext; page: Page; problems: string[] }> {
  const context = await browser.newContext({ viewport: { width: 1360, height: 880 } });
  const page = await context.newPage();
  const problems: string[] = [];
  const origin = new URL(server.url).origin;
  page.on('request', (request) => {
    if (!request.url().startsWith(origin) && !request.url().startsWith('data:'))
      problems.push(`request to another origin: ${request.url()}`);
  });
  // Chromium logs every 4xx fetch as an error; the API's answers are checked on the page. Anything else — a CSP
  // violation above all — is a problem, and so is a console file that is missing.
  page.on('console', (message) => {
    if (message.type() === 'error' && !message.text().startsWith('Failed to load resource'))
      problems.push(`console error: ${message.text()}`);
  });
  page.on('response', (response) => {
    if (response.url().startsWith(`${origin}/console/`) && response.status() >= 400)
      problems.push(`${response.status()} for ${response.url()}`);
  });
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  return { context, page, problems };
}

export async function signIn(page: Page, user: { username: string; password: string }): Promise<void> {
  await page.getByRole('heading', { name: 'Sign in', exact: true }).waitFor();
  await page.getByLabel('Username').fill(user.username);
  await page.getByLabel('Password').fill(user.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

/** A watched page signed in to the console as `user`, on its first page; `clipboard` lets the copy buttons be read back. */
export async function signedInConsole(
  browser: Browser,
  server: TestServer,
  user: { username: string; password: string },
  options: { clipboard?: boolean } = {},
): Promise<Awaited<ReturnType<typeof watchedPage>>> {
  const watched = await watchedPage(browser, server);
  if (options.clipboard) {
    await watched.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: new URL(server.issuer).origin });
  }
  await watched.page.goto(`${server.url}/console`);
  await signIn(watched.page, user);
  await heading(watched.page, 'API access').waitFor();
  return watched;
}

export const heading = (page: Page, name: string) => page.getByRole('heading', { level: 1, name, exact: true });
export const nav = (page: Page, name: string) => page.getByRole('navigation', { name: 'Console' }).getByRole('link', { name, exact: true });

export const textOf = async (locator: Locator) => (await locator.textContent())?.replace(/\s+/g, ' ').trim() ?? '';

/** The text of what a control's aria-describedby names (its hint and its error), as a screen reader reads it. */
export const describedText = (control: Locator): Promise<string> =>
  control.evaluate((element: { getAttribute(name: string): string | null }) => {
    const page = globalThis as unknown as { document: { getElementById(id: string): { textContent: string | null } | null } };
    const ids = (element.getAttribute('aria-describedby') ?? '').split(' ');
    return ids.map((id) => page.document.getElementById(id)?.textContent ?? '').join(' ');
  });
