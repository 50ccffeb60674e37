/**
 * The dashboard's administration panels in a real browser (Debian's
 * Chromium through playwright-core) against the simulator: the Wi-Fi
 * network picker (the first-boot setup uses it), the admin password, and
 * the over-the-air update with its progress bar, into the simulator's OTA
 * target; a board without OTA hides the Update panel.
 */
import { expect } from 'chai';
import { createHash, randomBytes } from 'node:crypto';
import type { Browser, Page } from 'playwright-core';
import { MemoryOtaTarget } from '../../host-sim/ota-memory.ts';
import { ADMIN_PASSWORD_KEY } from '../../src/device.ts';
import { startDashboard } from '../app/dashboard-sim.ts';
import type { Dashboard } from '../app/dashboard-sim.ts';
import { collectErrors, launchBrowser, textOf, WAIT_MS, waitForText } from './browser.ts';

/** Waits until element `id`'s text matches `pattern`. */
async function waitForMatch(page: Page, id: string, pattern: RegExp): Promise<string> {
  await page.waitForFunction(
    ([i, source]) => new RegExp(source).test(document.getElementById(i)?.textContent ?? ''),
    [id, pattern.source] as const,
    { timeout: WAIT_MS },
  );
  return (await textOf(page, id)) ?? '';
}

describe('dashboard administration in Chromium', () => {
  let browser: Browser;
  let d: Dashboard;
  let ota: MemoryOtaTarget;

  before(async () => {
    browser = await launchBrowser();
    ota = new MemoryOtaTarget();
    d = await startDashboard(undefined, ota);
  });
  after(async () => {
    await browser?.close();
    await d?.close();
  });

  it('lists the networks the device hears; picking one fills the SSID', async () => {
    const page = await browser.newPage();
    const errors = collectErrors(page);
    await page.goto(d.url);
    await page.getByRole('button', { name: 'Scan for networks' }).click();
    await page.waitForSelector('#nets button', { timeout: WAIT_MS });
    const listed = await page.$$eval('#nets button', (buttons) => buttons.map((b) => b.textContent));
    expect(listed[0]).to.equal('HomeNet · -48 dBm · locked'); // strongest first, one per name
    expect(listed).to.include('CoffeeShop Guest · -80 dBm · open');
    await page.getByRole('button', { name: /^Workshop 2\.4G/ }).click();
    expect(await page.inputValue('#ssid')).to.equal('Workshop 2.4G');
    expect(await page.evaluate(() => document.activeElement?.id)).to.equal('pw');
    expect(errors).to.deep.equal([]);
    await page.close();
  });

  it('refuses an empty password for a network the scan found secured, and says when the device does not answer', async () => {
    const page = await browser.newPage();
    await page.goto(d.url);
    await page.getByRole('button', { name: 'Scan for networks' }).click();
    await page.getByRole('button', { name: /^HomeNet .* locked$/ }).click();
    await page.getByRole('button', { name: 'Save Wi-Fi' }).click();
    await waitForText(page, 'w-msg', 'Not saved: the password is missing: the scan found this network secured.');
    expect(await page.evaluate(() => document.activeElement?.id)).to.equal('pw');
    // 32 bytes as the radio counts them, not characters: 17 × "Ä" is 34.
    await page.fill('#ssid', 'Ä'.repeat(17));
    await page.fill('#pw', 'long enough');
    await page.getByRole('button', { name: 'Save Wi-Fi' }).click();
    await waitForText(page, 'w-msg', 'Not saved: the SSID is longer than 32 bytes.');
    await page.route('**/api/wifi/scan', (route) => route.abort());
    await page.getByRole('button', { name: 'Scan for networks' }).click();
    await waitForText(page, 'w-msg', 'No scan: the device did not answer.');
    await page.close();
  });

  it('takes an admin password in any script: set, then changed with it (sent as UTF-8, as curl does)', async () => {
    d.sim.platform.storeDelete(ADMIN_PASSWORD_KEY);
    const page = await browser.newPage();
    const errors = collectErrors(page);
    await page.goto(d.url);
    await page.waitForFunction(() => document.getElementById('p-cur-row')?.hidden === true, undefined, {
      timeout: WAIT_MS,
    });
    await page.fill('#p-new', 'пароль-секрет');
    await page.getByRole('button', { name: 'Set password' }).click();
    await waitForText(page, 'p-msg', 'Admin password set.');
    await page.fill('#p-cur', 'пароль-секрет');
    await page.fill('#p-new', 'второй-секрет');
    await page.evaluate(() => {
      (document.getElementById('p-msg') as HTMLElement).textContent = '';
    });
    await page.getByRole('button', { name: 'Set password' }).click();
    await waitForText(page, 'p-msg', 'Admin password set.');
    expect(d.sim.platform.storeGet(ADMIN_PASSWORD_KEY)).to.equal('второй-секрет');
    expect(errors).to.deep.equal([]);
    await page.close();
  });

  it('sets the admin password the first time, then only with the current one', async () => {
    d.sim.platform.storeDelete(ADMIN_PASSWORD_KEY);
    const page = await browser.newPage();
    await page.goto(d.url);
    await page.waitForFunction(() => document.getElementById('p-cur-row')?.hidden === true, undefined, {
      timeout: WAIT_MS,
    });
    await page.fill('#p-new', 'first secret');
    await page.getByRole('button', { name: 'Set password' }).click();
    await waitForText(page, 'p-msg', 'Admin password set.');
    expect(d.sim.platform.storeGet(ADMIN_PASSWORD_KEY)).to.equal('first secret');
    expect(await page.isVisible('#p-cur')).to.equal(true);
    await page.fill('#p-cur', 'wrong one!');
    await page.fill('#p-new', 'second secret');
    await page.getByRole('button', { name: 'Set password' }).click();
    expect(await waitForMatch(page, 'p-msg', /^Not changed: /)).to.equal('Not changed: the current password is wrong.');
    await page.fill('#p-cur', 'first secret');
    await page.getByRole('button', { name: 'Set password' }).click();
    await waitForText(page, 'p-msg', 'Admin password set.');
    expect(d.sim.platform.storeGet(ADMIN_PASSWORD_KEY)).to.equal('second secret');
    await page.close();
  });

  it('updates the firmware: hashes the file, uploads it with progress, and the image is installed', async () => {
    d.sim.platform.storeSet(ADMIN_PASSWORD_KEY, 'update secret');
    const image = randomBytes(300 * 1024);
    const page = await browser.newPage();
    const errors = collectErrors(page);
    await page.goto(d.url);
    await page.waitForSelector('#sec-upd:not([hidden])', { timeout: WAIT_MS });
    await page.setInputFiles('#u-file', { name: 'firmware.bin', mimeType: 'application/octet-stream', buffer: image });
    await page.fill('#u-pw', 'not it');
    await page.getByRole('button', { name: 'Update' }).click();
    expect(await waitForMatch(page, 'u-msg', /^Not updated/)).to.include('401');
    expect(ota.bootImage).to.equal(ota.running);
    await page.fill('#u-pw', 'update secret');
    await page.getByRole('button', { name: 'Update' }).click();
    const done = await waitForMatch(page, 'u-msg', /^Updated/);
    const sha = createHash('sha256').update(image).digest('hex');
    expect(done).to.equal(`Updated (${image.length} bytes, SHA-256 ${sha.slice(0, 12)}…): the device restarts.`);
    expect(await page.evaluate(() => (document.getElementById('u-bar') as HTMLProgressElement).value)).to.equal(1);
    expect(Buffer.from(ota.bootImage).equals(image)).to.equal(true);
    expect(errors.filter((e) => !e.includes('401'))).to.deep.equal([]); // the refused try logs its 401
    await page.close();
  });

  it('hides the Update panel on a board that cannot update itself (the Pico W)', async () => {
    const plain = await startDashboard();
    try {
      const page = await browser.newPage();
      await page.goto(plain.url);
      await page.waitForFunction(() => document.getElementById('sec-upd')?.hidden === true, undefined, {
        timeout: WAIT_MS,
      });
      await waitForText(page, 'conn', 'live');
      expect(await page.isVisible('#sec-upd')).to.equal(false);
      await page.close();
    } finally {
      await plain.close();
    }
  });
});
