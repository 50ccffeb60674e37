/**
 * Regenerates the README's screenshots of the device dashboard:
 * docs/dashboard-desktop.png (1280 px wide) and docs/dashboard-phone.png
 * (360 px wide), taken in Debian's Chromium (CHROMIUM_PATH to override)
 * from the simulator, after a few requests, the LED switched on and a
 * Wi-Fi network saved, so every panel has something to show.
 *
 * Run: `npm run screenshots` writes them to build/screenshots/ to look at;
 * `npm run screenshots -- --update` replaces the tracked ones in docs/.
 *
 * Never: touch the user's store (.chipweb/store.json): it uses a temporary
 * one; rewrite tracked files unless asked with --update.
 */
import { mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startDashboard } from '../app/dashboard-sim.ts';
import { launchBrowser, waitForText } from './browser.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** docs/ with --update, else a scratch folder git ignores. */
const OUT = process.argv.includes('--update') ? ROOT : join(ROOT, 'build', 'screenshots');

/** Where the screenshots go and how wide each is. */
export const SHOTS = [
  { file: 'docs/dashboard-desktop.png', width: 1280, height: 800, scale: 1 },
  { file: 'docs/dashboard-phone.png', width: 360, height: 740, scale: 2 },
];

async function main(): Promise<void> {
  const d = await startDashboard();
  const browser = await launchBrowser();
  try {
    d.device.configureWifi('home-net', 'correct horse battery');
    d.device.setLed(true);
    for (const path of ['/', '/api/status', '/api/led', '/favicon.ico', '/api/about'])
      await fetch(d.url + path, { headers: { Connection: 'close' } });
    await fetch(d.url + '/api/wifi', { method: 'POST', body: '{"ssid":""}', headers: { Connection: 'close' } });
    for (const shot of SHOTS) {
      const context = await browser.newContext({
        viewport: { width: shot.width, height: shot.height },
        deviceScaleFactor: shot.scale,
        colorScheme: 'light',
      });
      const page = await context.newPage();
      await page.goto(d.url);
      await waitForText(page, 'conn', 'live');
      await waitForText(page, 'w-ssid', 'home-net');
      await page.waitForSelector('#reqs tr:nth-child(5)');
      const file = join(OUT, shot.file);
      mkdirSync(dirname(file), { recursive: true });
      await page.screenshot({ path: file, fullPage: true });
      console.log(`wrote ${file} (${shot.width} px wide)`);
      await context.close();
    }
  } finally {
    await browser.close();
    await d.close();
  }
}

main().catch((error: unknown) => {
  console.error(`screenshots: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});
