import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { type Browser, chromium } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
export const SCREENSHOTS = join(process.cwd(), 'test-artifacts', 'screenshots');

/**
 * True when Debian's Chromium is installed. Otherwise the browser suite is reported as skipped, loudly, or fails
 * under REQUIRE_ALL_SUITES=1 (CI installs chromium, so it must run there).
 */
export function chromiumAvailable(): boolean {
  if (existsSync(CHROMIUM)) return true;
  if (process.env.REQUIRE_ALL_SUITES === '1') {
    test('browser suite', () => {
      throw new Error(`REQUIRE_ALL_SUITES=1 but there is no Chromium at ${CHROMIUM} (apt-get install chromium)`);
    });
  } else {
    test('browser suite', { skip: `SKIPPED: no Chromium at ${CHROMIUM} (apt-get install chromium)` }, () => {});
  }
  return false;
}

/**
 * Headless Chromium with the flags this machine needs (no sandbox as root, no background network calls); Playwright
 * gives every launch a fresh, empty profile.
 */
export async function launchChromium(): Promise<Browser> {
  await mkdir(SCREENSHOTS, { recursive: true });
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}
