import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Page } from 'playwright-core';

/**
 * What every page of the console and the playground passes, in whatever width and colour scheme it is shown: no
 * axe-core violation, no sideways scrolling, no button cut off, no table wider than its frame.
 *
 * axe-core is evaluated through the DevTools protocol (page.evaluate of its source): that runs outside the page's
 * CSP, which refuses addScriptTag's inline script on every page here (script-src 'self' or default-src 'none').
 */

const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
export type Scheme = 'light' | 'dark';

interface AxeViolation {
  id: string;
  impact: string;
  help: string;
  nodes: { target: string[]; failureSummary: string }[];
}

/** axe-core's violations on the page, one readable paragraph each: rule, impact, help, and where. */
export async function axeViolations(page: Page): Promise<string[]> {
  if (!(await page.evaluate('typeof window.axe !== "undefined"'))) await page.evaluate(AXE);
  const { passed, violations } = (await page.evaluate(
    `axe.run(document, { resultTypes: ['violations'] }).then((result) => ({ passed: result.passes.length, violations: result.violations.map(
      ({ id, impact, help, nodes }) => ({ id, impact, help, nodes: nodes.map(({ target, failureSummary }) => ({ target, failureSummary })) })) }))`,
  )) as { passed: number; violations: AxeViolation[] };
  assert.ok(passed > 10, `axe-core ran its rules (${passed} passed)`);
  return violations.map(
    (violation) =>
      `${violation.id} (${violation.impact}): ${violation.help}\n${violation.nodes
        .map((node) => `  at ${node.target.join(' ')}: ${node.failureSummary.replace(/\s+/g, ' ')}`)
        .join('\n')}`,
  );
}

/**
 * Every button (and link drawn as one) that is cut off: outside the window sideways, wider than its own box, or
 * clipped by an ancestor that hides its overflow. A scrolling ancestor clips nothing: its content scrolls into view.
 */
const clippedButtons = (page: Page): Promise<string[]> =>
  page.evaluate(`[...document.querySelectorAll('button, a.btn')]
    .filter((button) => button.getClientRects().length > 0 && !button.closest('.sr-only'))
    .filter((button) => {
      const box = button.getBoundingClientRect();
      if (box.left < -0.5 || box.right > window.innerWidth + 0.5) return true;
      if (button.scrollWidth > button.clientWidth + 1) return true;
      for (let parent = button.parentElement; parent; parent = parent.parentElement) {
        const style = getComputedStyle(parent);
        const frame = parent.getBoundingClientRect();
        if (/hidden|clip/.test(style.overflowX) && (box.left < frame.left - 0.5 || box.right > frame.right + 0.5)) return true;
        if (/hidden|clip/.test(style.overflowY) && (box.top < frame.top - 0.5 || box.bottom > frame.bottom + 0.5)) return true;
      }
      return false;
    })
    .map((button) => (button.getAttribute('aria-label') || button.textContent.trim()) + ' (' + button.outerHTML.slice(0, 80) + ')')`);

/** The tables wider than their frame (a .table-wrap or the card they fill): they would scroll on their own. */
const wideTables = (page: Page): Promise<string[]> =>
  page.evaluate(`[...document.querySelectorAll('table')]
    .filter((table) => table.parentElement.scrollWidth > table.parentElement.clientWidth + 1)
    .map((table) => table.getAttribute('aria-label') + ': ' + table.scrollWidth + ' px in ' + table.parentElement.clientWidth)`);

/** The page's background, as red, green and blue. */
const background = async (page: Page): Promise<number[]> =>
  ((await page.evaluate('getComputedStyle(document.documentElement).backgroundColor')) as string).match(/\d+/g)!.slice(0, 3).map(Number);

/** The checks every page and dialog passes, in whatever width and scheme the page is in now. */
export async function assertUsable(page: Page, name: string, scheme: Scheme): Promise<void> {
  const where = `${name} at ${page.viewportSize()?.width} px, ${scheme}`;
  const [red, green, blue] = await background(page);
  const light = Math.min(red!, green!, blue!) > 200;
  assert.equal(light ? 'light' : Math.max(red!, green!, blue!) < 60 ? 'dark' : 'neither', scheme, `${where} is drawn in its scheme`);
  assert.deepEqual(await axeViolations(page), [], `axe-core finds nothing on ${where}`);
  const widths = await page.evaluate('[document.documentElement.scrollWidth, window.innerWidth]');
  const [scrollWidth, innerWidth] = widths as [number, number];
  assert.ok(scrollWidth <= innerWidth, `${where} does not scroll sideways (${scrollWidth} > ${innerWidth})`);
  assert.deepEqual(await clippedButtons(page), [], `no button is cut off on ${where}`);
  assert.deepEqual(await wideTables(page), [], `no table scrolls sideways inside its frame on ${where}`);
}
