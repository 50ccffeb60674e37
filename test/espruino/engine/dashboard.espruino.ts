/**
 * The default firmware (firmware/app) built for Espruino and run by
 * $ESPRUINO, in Debian's Chromium driven by playwright-core, as
 * test/ui/dashboard.test.ts drives it in the Node simulator: the gzipped
 * page, every panel filled with no console error, the LED, live updates over
 * server-sent events, two tabs, four tabs on four slots (two live, two
 * polling), and Wi-Fi settings kept across a restart of
 * the board (its flash file stays).
 *
 * Never: check the board's state through anything but HTTP.
 */
import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { type EspruinoSimulation, serveOnEspruino } from '../../../host-sim/espruino/sim.ts';
import { collectErrors, launchBrowser, textOf, WAIT_MS, waitForText } from '../../ui/browser.ts';

const ENTRY = resolve(import.meta.dirname, '../../../firmware/app/main.ts');

/** The LED state the board reports. */
async function ledOf(url: string): Promise<boolean> {
  const response = await fetch(`${url}/api/led`, { headers: { Connection: 'close' } });
  return ((await response.json()) as { on: boolean }).on;
}

/** Opens the dashboard in a new page and waits until it is live on the event stream. */
async function openLive(context: BrowserContext, url: string): Promise<Page> {
  const page = await context.newPage();
  await page.goto(url);
  await waitForText(page, 'conn', 'live');
  return page;
}

describe('espruino engine: the dashboard in Chromium', () => {
  let browser: Browser;
  let dir: string;
  let sim: EspruinoSimulation;
  let context: BrowserContext;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'chipweb-espruino-ui-'));
    [browser, sim] = await Promise.all([launchBrowser(), serveOnEspruino(ENTRY, { port: 0, dir })]);
  });
  after(async () => {
    await browser?.close();
    await sim?.close();
    rmSync(dir, { recursive: true, force: true });
  });
  beforeEach(async () => {
    context = await browser.newContext();
  });
  afterEach(async () => {
    await context.close();
  });

  it('loads gzipped with no console errors and fills every panel', async () => {
    const page = await context.newPage();
    const errors = collectErrors(page);
    const response = await page.goto(sim.url);
    expect(response!.headers()['content-encoding']).to.equal('gzip');
    await waitForText(page, 'conn', 'live');
    await waitForText(page, 'name', 'chipweb');
    await waitForText(page, 'a-target', 'espruino');
    await waitForText(page, 'w-mode', 'station');
    await page.waitForSelector('#reqs tr', { timeout: WAIT_MS });
    expect(await textOf(page, 's-pool')).to.match(/^\d+ of 4$/);
    expect(await page.title()).to.equal('chipweb · chipweb');
    // The board updates itself over the air (docs/ota.md, Espruino): the Update panel shows.
    await page.waitForSelector('#sec-upd:not([hidden])', { timeout: WAIT_MS });
    expect(errors).to.deep.equal([]);
  });

  it('toggles the LED: the board and the page follow', async () => {
    const page = await openLive(context, sim.url);
    const button = page.getByRole('button', { name: /Turn LED/ });
    const wasOn = await ledOf(sim.url);
    await button.click();
    await page.waitForFunction(
      (on) => document.getElementById('led-btn')!.getAttribute('aria-pressed') === String(on),
      !wasOn,
      { timeout: WAIT_MS },
    );
    expect(await ledOf(sim.url)).to.equal(!wasOn);
    await button.click();
    await page.waitForFunction(
      (on) => document.getElementById('led-btn')!.getAttribute('aria-pressed') === String(on),
      wasOn,
      { timeout: WAIT_MS },
    );
    expect(await ledOf(sim.url)).to.equal(wasOn);
  });

  it('delivers live updates over SSE', async () => {
    const page = await openLive(context, sim.url);
    await fetch(`${sim.url}/from-elsewhere`, { headers: { Connection: 'close' } });
    await page.waitForFunction(
      () => [...document.querySelectorAll('#reqs td:nth-child(2)')].some((td) => td.textContent === '/from-elsewhere'),
      undefined,
      { timeout: WAIT_MS },
    );
    const on = !(await ledOf(sim.url));
    await fetch(`${sim.url}/api/led`, {
      method: 'POST',
      body: JSON.stringify({ on }),
      headers: { Connection: 'close' },
    });
    await waitForText(page, 'led-btn', on ? 'Turn LED off' : 'Turn LED on');
  });

  it('works in two tabs at once', async () => {
    const a = await openLive(context, sim.url);
    const b = await openLive(context, sim.url);
    await waitForText(b, 's-live', '2 of 2');
    const on = !(await ledOf(sim.url));
    await a.getByRole('button', { name: /Turn LED/ }).click();
    await waitForText(b, 'led-btn', on ? 'Turn LED off' : 'Turn LED on');
    expect(await textOf(a, 'conn')).to.equal('live');
  });

  it('serves four tabs on four slots: two live, two polling, every one working', async () => {
    const live = [await openLive(context, sim.url), await openLive(context, sim.url)];
    const polling = [await context.newPage(), await context.newPage()];
    const errors = polling.map((page) => collectErrors(page));
    for (const page of polling) {
      await page.goto(sim.url);
      await waitForText(page, 'conn', 'polling');
      await waitForText(page, 's-live', '2 of 2');
    }
    // A polling tab works the LED over HTTP, and the live ones hear it.
    const on = !(await ledOf(sim.url));
    await polling[1].getByRole('button', { name: /Turn LED/ }).click();
    for (const page of [...polling, ...live]) await waitForText(page, 'led-btn', on ? 'Turn LED off' : 'Turn LED on');
    expect(await ledOf(sim.url)).to.equal(on);
    for (const page of live) expect(await textOf(page, 'conn')).to.equal('live');
    // Chromium logs the refused live links (the WebSocket's and the event stream's 503); nothing else went wrong.
    expect(errors.flat().filter((e) => !/\b503\b/.test(e))).to.deep.equal([]);
  });

  it('stores Wi-Fi settings and keeps them across a restart of the board', async () => {
    const page = await openLive(context, sim.url);
    await page.getByLabel('Network name (SSID)').fill('home-net');
    await page.getByLabel(/^Password/).fill('short');
    await page.keyboard.press('Enter');
    await waitForText(page, 'w-msg', 'Not saved: the password must be empty (open network) or 8 to 63 characters.');
    await page.getByLabel(/^Password/).fill('correct horse battery');
    await page.getByRole('button', { name: 'Save Wi-Fi' }).click();
    await waitForText(page, 'w-msg', 'Saved: the device joins home-net.');
    await page.close();

    const port = sim.port;
    await sim.close();
    sim = await serveOnEspruino(ENTRY, { port, dir });
    const again = await openLive(context, sim.url);
    // The stored network fills the form; the Linux build has no radio, so the board stays on the host's network.
    await again.waitForFunction(
      () => (document.getElementById('ssid') as HTMLInputElement).value === 'home-net',
      undefined,
      {
        timeout: WAIT_MS,
      },
    );
    await waitForText(again, 'w-ssid', 'host network');
  });
});
