/**
 * `npm run bench:espruino-features`: what each part of the default app
 * (firmware/app) costs on Espruino, in variables after `start()`. The
 * dashboard is built once as it is, then once without each of its parts
 * (the request log, the captive portal, the page route, the API, the
 * Wi-Fi setup routes, the update route) and once with none of them, each
 * from firmware/app/main.ts with that part's line taken out; every build
 * boots on the fixed 16,383-variable binary ($ESPRUINO) and is read at
 * the console before any request, as `npm run bench:espruino` reads the
 * whole app. A part's cost is the whole app's figure less the figure
 * without it, its code and its objects together.
 *
 * Never: assert (tests do that); measure a variant that is not main.ts
 * less exactly the lines named below (a line it cannot find stops it).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { EspruinoMissing, espruinoBinary } from '../host-sim/espruino/engine.ts';
import { serveOnEspruino } from '../host-sim/espruino/sim.ts';

const ROOT = resolve(import.meta.dirname, '..');
const DASHBOARD = join(ROOT, 'firmware/app/main.ts');
const UI_DIST = join(ROOT, 'firmware/app/ui/dist');

/** The dashboard's parts, each by the lines of createDashboard() that add it. */
const PARTS: readonly (readonly [name: string, lines: readonly string[]])[] = [
  ['the request log as middleware (its ring is made at the first request)', ['app.use(log);']],
  ['the captive portal', ['app.use(captivePortal());']],
  ['the page route (/)', ["app.get('/', serveAsset(PAGE_ASSET));"]],
  [
    'the API and its live-update hub (status, events, WebSocket, LED, Wi-Fi, ...)',
    ['const hub = new LiveHub(log);', 'registerApi(app, hub, log);'],
  ],
  ['the Wi-Fi setup routes', ['registerSetup(app);']],
  ['the over-the-air update route', ['registerUpdate(app);']],
];

/** main.ts without `lines`, its relative imports made absolute (the copy lives in a temporary folder). */
function variant(source: string, lines: readonly string[]): string {
  let text = source.replace(/from '\.\//g, `from '${dirname(DASHBOARD)}/`);
  for (const line of lines) {
    const at = text.indexOf(`  ${line}\n`);
    if (at < 0)
      throw new Error(`firmware/app/main.ts has no line "${line}": update PARTS in bench/espruino-features.ts`);
    text = text.slice(0, at) + text.slice(at + line.length + 3);
  }
  return text;
}

/** Variables after start() of the app in `entry`, read at the console before any request. */
async function usedAfterStart(binary: string, entry: string, dir: string, assets?: string): Promise<number> {
  const sim = await serveOnEspruino(entry, { port: 0, dir, binary, assets });
  try {
    return await sim.process.evaluate<number>('process.memory().usage');
  } finally {
    await sim.close();
  }
}

async function main(): Promise<void> {
  let binary: string;
  try {
    binary = espruinoBinary(process.env);
  } catch (error) {
    if (error instanceof EspruinoMissing) {
      console.error(error.message);
      process.exitCode = 1;
      return;
    }
    throw error;
  }
  const work = mkdtempSync(join(tmpdir(), 'chipweb-features-'));
  try {
    // The variants are ES modules, as in a project chipweb init makes.
    writeFileSync(join(work, 'package.json'), '{ "type": "module" }\n');
    const source = readFileSync(DASHBOARD, 'utf8');
    // The whole app first, as `chipweb build` makes it (its UI built): the variants then take that UI.
    const whole = await usedAfterStart(binary, DASHBOARD, join(work, 'whole'));
    const n = (v: number) => v.toLocaleString('en-US');
    console.log('chipweb on Espruino 2v29: what each part of the default app costs (npm run bench:espruino-features)');
    console.log('variables after start(), fixed 16,383-variable build, boot code in Storage, before any request\n');
    console.log(`  the default app (firmware/app/main.ts)${' '.repeat(38)}${n(whole).padStart(6)}`);
    let sum = 0;
    for (let i = 0; i < PARTS.length; i++) {
      const [name, lines] = PARTS[i];
      const entry = join(work, `without-${i}.ts`);
      writeFileSync(entry, variant(source, lines));
      const without = await usedAfterStart(binary, entry, join(work, `without-${i}`), UI_DIST);
      sum += whole - without;
      console.log(`  ${name}`.padEnd(78) + n(whole - without).padStart(6) + `   (${n(without)} without it)`);
    }
    const bareEntry = join(work, 'bare.ts');
    writeFileSync(
      bareEntry,
      variant(
        source,
        PARTS.flatMap((p) => p[1]),
      ),
    );
    const bare = await usedAfterStart(binary, bareEntry, join(work, 'bare'), UI_DIST);
    console.log(`  the app with none of them (no route at all)`.padEnd(78) + n(bare).padStart(6));
    console.log(
      `\n  the parts one by one add up to ${n(sum)}; all of them together cost ${n(whole - bare)} (code two parts share is in neither part's own figure)`,
    );
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

await main();
