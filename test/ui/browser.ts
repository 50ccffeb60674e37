/**
 * Launches Debian's Chromium (apt-get install chromium; `.ci/run` installs
 * it) headless through playwright-core for the browser tests, and small
 * helpers that wait for conditions in a page (never for fixed times).
 *
 * Never: download a browser (playwright-core does not, and the tests must
 * not either); leave a browser running after a suite.
 */
import { existsSync } from 'node:fs';
import { chromium } from 'playwright-core';
import type { Browser, Page } from 'playwright-core';

/** The Chromium binary: $CHROMIUM_PATH, else Debian's /usr/bin/chromium. */
export const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

/** Flags for a quiet, sandbox-free headless Chromium in CI containers. */
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** How long a wait for a page condition may take before the test fails. */
export const WAIT_MS = 8000;

/** Starts the browser, or fails saying how to install it. */
export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `no Chromium at ${CHROMIUM}: install it with 'apt-get install -y chromium' (Debian/Ubuntu) or set CHROMIUM_PATH`,
    );
  }
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: ARGS });
}

/** Waits until the element `id` has exactly `text`. */
export async function waitForText(page: Page, id: string, text: string): Promise<void> {
  try {
    await page.waitForFunction(([i, t]) => document.getElementById(i)?.textContent === t, [id, text] as const, {
      timeout: WAIT_MS,
    });
  } catch (_error) {
    const actual = await page.evaluate((i) => document.getElementById(i)?.textContent, id);
    throw new Error(`#${id} never showed "${text}" (it shows "${actual}")`);
  }
}

/** Text of element `id`. */
export function textOf(page: Page, id: string): Promise<string | null | undefined> {
  return page.evaluate((i) => document.getElementById(i)?.textContent, id);
}

/** Collects console errors and uncaught exceptions of a page. */
export function collectErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(e.message));
  return errors;
}
