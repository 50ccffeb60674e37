/**
 * examples/slider.ts in a real browser (Debian's Chromium through
 * playwright-core): two pages on the simulator; moving the slider in one
 * moves it in the other.
 */
import { expect } from 'chai';
import type { Browser } from 'playwright-core';
import { simulate } from '../../host-sim/index.ts';
import type { Simulation } from '../../host-sim/index.ts';
import slider from '../../examples/slider.ts';
import { collectErrors, launchBrowser, waitForText, WAIT_MS } from './browser.ts';

describe('examples/slider.ts in Chromium', () => {
  let browser: Browser;
  let sim: Simulation;
  before(async () => {
    browser = await launchBrowser();
    sim = await simulate(slider, { port: 0, slots: 4, log: () => {} });
  });
  after(async () => {
    await browser?.close();
    await sim?.close(100);
  });

  it('moves the slider in every open page', async () => {
    const context = await browser.newContext();
    try {
      const [a, b] = [await context.newPage(), await context.newPage()];
      const errors = [...collectErrors(a), ...collectErrors(b)];
      await a.goto(sim.url);
      await b.goto(sim.url);
      for (const page of [a, b]) await page.waitForSelector('#s:not([disabled])', { timeout: WAIT_MS });
      const start = await a.inputValue('#s');
      const target = start === '80' ? '20' : '80';
      await a.locator('#s').fill(target);
      await waitForText(b, 'o', target);
      expect(await b.inputValue('#s')).to.equal(target);
      await waitForText(a, 'o', target);
      expect(errors).to.deep.equal([]);
    } finally {
      await context.close();
    }
  });
});
