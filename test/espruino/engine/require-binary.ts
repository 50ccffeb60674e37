/**
 * First step of `npm run test:espruino`: checks what it needs, $ESPRUINO
 * (an Espruino Linux binary with an ESP32's C stack and Storage mapped into
 * memory, as toolchain/espruino/build-engine.sh builds it) and the
 * `espruino` command-line tool (the flash test uploads through it), and
 * says exactly what is missing (exit 1) before any test runs.
 *
 * Never: build, download or install anything.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EspruinoMissing, espruinoBinary } from '../../../host-sim/espruino/engine.ts';
import { findEspruinoTool } from '../../../toolchain/espruino/flash.ts';

/**
 * Whether `binary` stops a deep recursion as an ESP32 does (its 25 KB C
 * stack, not the Linux build's megabyte): 200 nested calls take about 200 KB.
 */
function hasEsp32Stack(binary: string): boolean {
  const dir = mkdtempSync(join(tmpdir(), 'chipweb-espruino-stack-'));
  try {
    writeFileSync(join(dir, 'deep.js'), 'function f(n) { return n === 0 ? 0 : f(n - 1) + 1; }\nf(200);\n');
    const run = spawnSync(binary, ['deep.js'], { cwd: dir, timeout: 5000, encoding: 'latin1' });
    return `${run.stdout}${run.stderr}`.includes('Too much recursion');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Whether `binary` maps Storage into memory as an ESP32 does, so that code
 * and Storage.read() strings point into it (an older build of the script
 * reads its flash file anew for every 16 bytes: slow, and unlike a board).
 */
function hasMappedStorage(binary: string): boolean {
  const dir = mkdtempSync(join(tmpdir(), 'chipweb-espruino-storage-'));
  try {
    writeFileSync(
      join(dir, 'mapped.js'),
      "require('Storage').write('m', 'in Storage');\nprint('@@mapped ' + (E.getAddressOf(require('Storage').read('m'), true) !== 0));\n",
    );
    const run = spawnSync(binary, ['mapped.js'], { cwd: dir, timeout: 5000, encoding: 'latin1' });
    return `${run.stdout}`.includes('@@mapped true');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const missing: string[] = [];
try {
  const binary = espruinoBinary();
  console.log(`test:espruino: Espruino binary ${binary}`);
  if (!hasEsp32Stack(binary))
    missing.push(
      `ESPRUINO=${binary} has the Linux build's megabyte of C stack, not an ESP32's 25 KB, so code that nests too deep for a board would pass: build it with toolchain/espruino/build-engine.sh`,
    );
  else if (!hasMappedStorage(binary))
    missing.push(
      `ESPRUINO=${binary} reads Storage from its file instead of mapping it into memory as an ESP32 does: rebuild it with toolchain/espruino/build-engine.sh (it patches the Linux target)`,
    );
} catch (error) {
  if (!(error instanceof EspruinoMissing)) throw error;
  missing.push(error.message);
}
const tool = findEspruinoTool(process.env);
if (tool) console.log(`test:espruino: espruino command-line tool ${tool}`);
else missing.push("the 'espruino' command-line tool is not installed (chipweb flash uses it): npm install -g espruino");
if (missing.length) {
  for (const m of missing) console.error(`test:espruino: ${m}`);
  process.exit(1);
}
