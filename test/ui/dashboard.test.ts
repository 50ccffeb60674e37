/**
 * The device dashboard in a real browser: Debian's Chromium driven by
 * playwright-core against the simulator (one browser for the whole file).
 */
import { expect } from 'chai';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { WIFI_PASSWORD_KEY, WIFI_SSID_KEY } from '../../src/device.ts';
import { startDashboard, tempStore } from '../app/dashboard-sim.ts';
import type { Dashboard } from '../app/dashboard-sim.ts';
import { collectErrors, launchBrowser, textOf, waitForText, WAIT_MS } from './browser.ts';

/** Opens the dashboard in a new page and waits until it is live (on the WebSocket unless `via` says otherwise). */
async function openLive(context: BrowserContext, url: string, via = 'ws'): Promise<Page> {
  const page = await context.newPage();
  if (via === 'sse') await refuseWebSocket(page);
  await page.goto(url);
  await waitForText(page, 'conn', 'live');
  expect(await page.getAttribute('#conn', 'data-via'), 'the live link').to.equal(via);
  return page;
}

/** Makes the page's WebSocket to /api/ws close before a word, as a proxy that refuses WebSockets does. */
async function refuseWebSocket(page: Page): Promise<void> {
  await page.routeWebSocket('**/api/ws', (ws) => ws.close());
}

/** The number of points of a trend plot. */
function points(page: Page, id: string): Promise<number> {
  return page.evaluate(
    (i) => document.querySelector(`#${i} polyline`)?.getAttribute('points')?.trim().split(' ').length ?? 0,
    id,
  );
}

describe('dashboard in Chromium', () => {
  let browser: Browser;
  let d: Dashboard;
  let context: BrowserContext;

  before(async () => {
    // The browser first: without one the suite fails at once with the install
    // hint, and no simulator is left running to keep the process alive.
    browser = await launchBrowser();
    d = await startDashboard();
  });
  after(async () => {
    await browser?.close();
    await d?.close();
  });
  beforeEach(async () => {
    context = await browser.newContext();
  });
  afterEach(async () => {
    await context.close();
  });

  it('loads with no console errors and fills every panel', async () => {
    const page = await context.newPage();
    const errors = collectErrors(page);
    const response = await page.goto(d.url);
    expect(response!.headers()['content-encoding']).to.equal('gzip');
    await waitForText(page, 'conn', 'live');
    expect(await page.getAttribute('#conn', 'data-via')).to.equal('ws');
    await waitForText(page, 'name', 'chipweb-sim');
    await waitForText(page, 'a-ver', '0.1.0');
    await waitForText(page, 'a-target', 'simulator');
    await waitForText(page, 'w-mode', 'access point');
    // First boot: the header links to the Wi-Fi setup further down.
    expect(await page.getByRole('link', { name: 'Set up Wi-Fi' }).isVisible()).to.equal(true);
    await page.waitForSelector('#reqs tr', { timeout: WAIT_MS });
    expect(await textOf(page, 's-pool')).to.match(/^\d+ of 6$/);
    expect(await page.title()).to.equal('chipweb-sim · chipweb');
    expect(errors).to.deep.equal([]);
  });

  it('shows the very figures /api/status gives (polling, with the stream blocked)', async () => {
    const page = await context.newPage();
    await refuseWebSocket(page);
    await page.route('**/api/events', (route) => route.abort());
    // Serve the page's polls through the test, so the body it renders is known exactly;
    // once one has been served, hold the next ones so the figures stop moving.
    let served: any = null;
    let hold = false;
    let inFlight = 0;
    const held: { continue(): Promise<void> }[] = [];
    await page.route('**/api/status', async (route) => {
      if (hold) {
        held.push(route);
        return;
      }
      inFlight++;
      try {
        const response = await route.fetch();
        const body = await response.json();
        served = body;
        await route.fulfill({ response, json: body });
      } finally {
        inFlight--;
      }
    });
    await page.goto(d.url);
    await waitForText(page, 'conn', 'polling');
    while (served === null) await page.waitForTimeout(20);
    hold = true;
    while (inFlight > 0) await page.waitForTimeout(20);
    const expected = (s: any) => ({
      's-req': String(s.requests),
      's-pool': `${s.pool.inUse} of ${s.pool.slots}`,
      's-high': String(s.pool.highWater),
      's-rej': String(s.rejected),
      's-resp': `${s.responses['2xx']} · ${s.responses['3xx']} · ${s.responses['4xx']} · ${s.responses['5xx']}`,
      's-rps': String(s.rps),
      's-live': `${s.live.subscribers} of ${s.live.max}`,
    });
    // The last served body is the last one rendered: wait for the page to show it.
    const want = expected(served);
    for (const [id, text] of Object.entries(want)) await waitForText(page, id, text);
    expect(served.requests).to.be.greaterThan(0);
    for (const route of held.splice(0)) await route.continue().catch(() => {});
  });

  it('toggles the LED over the WebSocket: the simulated LED and the page follow, no HTTP request made', async () => {
    const page = await openLive(context, d.url);
    const posts: string[] = [];
    page.on('request', (r) => {
      if (r.method() === 'POST') posts.push(r.url());
    });
    const button = page.getByRole('button', { name: /Turn LED/ });
    const wasOn = d.device.led();
    await button.click();
    await page.waitForFunction(
      (on) => document.getElementById('led-btn')!.getAttribute('aria-pressed') === String(on),
      !wasOn,
      { timeout: WAIT_MS },
    );
    expect(d.device.led()).to.equal(!wasOn);
    expect(await page.getAttribute('#led', 'aria-label')).to.equal(!wasOn ? 'LED on' : 'LED off');
    // And with the keyboard.
    await button.focus();
    await page.keyboard.press('Enter');
    await page.waitForFunction(
      (on) => document.getElementById('led-btn')!.getAttribute('aria-pressed') === String(on),
      wasOn,
      { timeout: WAIT_MS },
    );
    expect(d.device.led()).to.equal(wasOn);
    expect(posts).to.deep.equal([]);
  });

  it('delivers live updates over the WebSocket without polling', async () => {
    const page = await openLive(context, d.url);
    const polled: string[] = [];
    page.on('request', (r) => {
      if (r.url().includes('/api/') && !r.url().endsWith('/api/events')) polled.push(r.url());
    });
    // A request from elsewhere shows up in Recent requests, and an LED switched elsewhere shows too.
    await fetch(d.url + '/from-elsewhere', { headers: { Connection: 'close' } });
    await page.waitForFunction(
      () => [...document.querySelectorAll('#reqs td:nth-child(2)')].some((td) => td.textContent === '/from-elsewhere'),
      undefined,
      { timeout: WAIT_MS },
    );
    const on = !d.device.led();
    await fetch(d.url + '/api/led', { method: 'POST', body: JSON.stringify({ on }), headers: { Connection: 'close' } });
    await waitForText(page, 'led-btn', on ? 'Turn LED off' : 'Turn LED on');
    expect(polled).to.deep.equal([]);
  });

  it('plots heap, slots and requests per second, and the plots move with each update', async () => {
    const page = await openLive(context, d.url);
    await page.waitForFunction(
      () => (document.querySelector('#t-rps polyline')?.getAttribute('points') ?? '').trim().split(' ').length >= 2,
      undefined,
      { timeout: WAIT_MS },
    );
    const before = await points(page, 't-rps');
    // Load the device: the requests/s plot must show it on a later update.
    for (let i = 0; i < 20; i++) await fetch(d.url + '/api/led', { headers: { Connection: 'close' } });
    await page.waitForFunction(
      (n) => (document.querySelector('#t-rps polyline')?.getAttribute('points') ?? '').trim().split(' ').length > n,
      before,
      { timeout: WAIT_MS },
    );
    await page.waitForFunction(
      () => Number(document.querySelector('#t-rps .peak')?.textContent?.replace('peak ', '')) > 0,
      undefined,
      {
        timeout: WAIT_MS,
      },
    );
    for (const id of ['t-mem', 't-pool', 't-rps']) expect(await points(page, id), id).to.be.greaterThan(before - 1);
    // Every point lies inside the drawing, and the current values are labelled.
    const inside = await page.evaluate(() =>
      [...document.querySelectorAll('.trend polyline')].every((line) =>
        (line.getAttribute('points') ?? '')
          .trim()
          .split(' ')
          .every((p) => {
            const [x, y] = p.split(',').map(Number);
            return x >= 0 && x <= 180 && y >= 0 && y <= 40;
          }),
      ),
    );
    expect(inside).to.equal(true);
    expect(await textOf(page, 't-pool')).to.match(/^Slots in use \d+ ?peak \d+$/);
    expect((await page.textContent('#t-mem .now')) ?? '').to.match(/^\d+(\.\d)? (B|KB|MB)$/);
  });

  it('falls back to Server-Sent Events when the WebSocket is refused: live updates, the LED, the plots', async () => {
    const page = await openLive(context, d.url, 'sse');
    const posts: string[] = [];
    page.on('request', (r) => {
      if (r.method() === 'POST') posts.push(new URL(r.url()).pathname);
    });
    await fetch(d.url + '/from-elsewhere-sse', { headers: { Connection: 'close' } });
    await page.waitForFunction(
      () =>
        [...document.querySelectorAll('#reqs td:nth-child(2)')].some((td) => td.textContent === '/from-elsewhere-sse'),
      undefined,
      { timeout: WAIT_MS },
    );
    const on = !d.device.led();
    await page.getByRole('button', { name: /Turn LED/ }).click();
    await waitForText(page, 'led-btn', on ? 'Turn LED off' : 'Turn LED on');
    expect(d.device.led()).to.equal(on);
    expect(posts).to.deep.equal(['/api/led']);
    const before = await points(page, 't-mem');
    await page.waitForFunction(
      (n) => (document.querySelector('#t-mem polyline')?.getAttribute('points') ?? '').trim().split(' ').length > n,
      before,
      { timeout: WAIT_MS },
    );
    expect(await textOf(page, 'conn')).to.equal('live');
  });

  it('comes back to the WebSocket from Server-Sent Events once the device takes it again (after a restart, say)', async () => {
    const page = await context.newPage();
    let refused = 0;
    await page.routeWebSocket('**/api/ws', (ws) => {
      if (refused++ === 0) ws.close();
      else ws.connectToServer();
    });
    await page.clock.install();
    await page.goto(d.url);
    await waitForText(page, 'conn', 'live');
    expect(await page.getAttribute('#conn', 'data-via')).to.equal('sse');
    await page.clock.fastForward(16000); // RETRY_MS
    await page.waitForFunction(() => document.getElementById('conn')?.dataset.via === 'ws', undefined, {
      timeout: WAIT_MS,
    });
    expect(await textOf(page, 'conn')).to.equal('live');
  });

  it('fits a phone (375 px) with the longest SSID there is: nothing scrolls sideways', async () => {
    const phone = await browser.newContext({ viewport: { width: 375, height: 740 } });
    const ssid = 'Workshop-2.4G-extended-network-5'; // 32 bytes
    await fetch(`${d.url}/api/wifi`, {
      method: 'POST',
      body: JSON.stringify({ ssid, password: 'long enough' }),
      headers: { Connection: 'close' },
    });
    try {
      const page = await phone.newPage();
      await page.goto(d.url);
      await waitForText(page, 'w-ssid', ssid);
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).to.be.at.most(375);
    } finally {
      await phone.close();
      d.sim.platform.storeDelete(WIFI_SSID_KEY);
      d.sim.platform.storeDelete(WIFI_PASSWORD_KEY);
    }
  });

  it('keeps the 16 newest requests when a live event brings only the newest few', async () => {
    for (let i = 0; i < 20; i++) await fetch(`${d.url}/many-${i}`, { headers: { Connection: 'close' } });
    const page = await openLive(context, d.url);
    const rows = () => page.$$eval('#reqs tr', (list) => list.length);
    expect(await rows()).to.equal(16);
    await fetch(`${d.url}/one-more`, { headers: { Connection: 'close' } });
    await page.waitForFunction(
      () => [...document.querySelectorAll('#reqs td:nth-child(2)')].some((td) => td.textContent === '/one-more'),
      undefined,
      { timeout: WAIT_MS },
    );
    expect(await rows()).to.equal(16);
  });

  it('falls back to polling when the device refuses both live links (every live slot taken)', async () => {
    const pages = [await openLive(context, d.url), await openLive(context, d.url), await openLive(context, d.url)];
    const fourth = await context.newPage();
    await fourth.goto(d.url);
    await waitForText(fourth, 'conn', 'polling');
    await waitForText(fourth, 's-live', '3 of 3');
    // Still a working page: the LED over HTTP, and the other pages hear it live.
    const on = !d.device.led();
    await fourth.getByRole('button', { name: /Turn LED/ }).click();
    await waitForText(fourth, 'led-btn', on ? 'Turn LED off' : 'Turn LED on');
    await waitForText(pages[0], 'led-btn', on ? 'Turn LED off' : 'Turn LED on');
    expect(d.device.led()).to.equal(on);
  });

  it('works in two tabs at once', async () => {
    const [a, b] = [await openLive(context, d.url), await openLive(context, d.url)];
    await waitForText(b, 's-live', '2 of 3');
    const on = !d.device.led();
    await a.getByRole('button', { name: /Turn LED/ }).click();
    await waitForText(b, 'led-btn', on ? 'Turn LED off' : 'Turn LED on');
    await waitForText(a, 'led-btn', on ? 'Turn LED off' : 'Turn LED on');
    expect(await textOf(a, 'conn')).to.equal('live');
  });

  it('rejects bad Wi-Fi input with a message, stores good input, and keeps it across a restart', async () => {
    const storeFile = tempStore();
    const first = await startDashboard(storeFile);
    let second: Dashboard | null = null;
    try {
      const page = await openLive(context, first.url);
      const posts: string[] = [];
      page.on('request', (r) => {
        if (r.method() === 'POST') posts.push(r.url());
      });
      await page.getByLabel('Network name (SSID)').fill('');
      await page.getByRole('button', { name: 'Save Wi-Fi' }).click();
      await waitForText(page, 'w-msg', 'Not saved: the SSID is empty.');
      expect(await page.getAttribute('#ssid', 'aria-invalid')).to.equal('true');
      expect(await page.evaluate(() => document.activeElement?.id)).to.equal('ssid');

      await page.getByLabel('Network name (SSID)').fill('home-net');
      await page.getByLabel(/^Password/).fill('short');
      await page.keyboard.press('Enter');
      await waitForText(page, 'w-msg', 'Not saved: the password must be empty (open network) or 8 to 63 characters.');
      expect(posts).to.deep.equal([]); // caught in the page, before the device
      expect(first.device.wifi().ssid).to.not.equal('home-net');

      await page.getByLabel(/^Password/).fill('correct horse battery');
      await page.getByRole('button', { name: 'Save Wi-Fi' }).click();
      await waitForText(page, 'w-msg', 'Saved: the device joins home-net.');
      await waitForText(page, 'w-ssid', 'home-net');
      expect(await page.inputValue('#pw')).to.equal('');
      await page.close();
      await first.close();

      second = await startDashboard(storeFile);
      const again = await openLive(context, second.url);
      await waitForText(again, 'w-ssid', 'home-net');
      expect(await again.inputValue('#ssid')).to.equal('home-net');
      expect(await again.isVisible('#setup'), 'no setup link once the device has a network').to.equal(false);
      await again.close();
    } finally {
      await first.close();
      if (second) await second.close();
    }
  });
});
