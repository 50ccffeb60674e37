/**
 * The lowering on the real engine ($ESPRUINO): the lowering fixture
 * (test/espruino/fixtures/lowerable.ts: classes, async functions, rest and
 * spread, Map and Set, methods named with keywords, the built-ins the
 * prelude stands in for …) lowered for Espruino and run by the binary gives
 * the same results as the source run by Node. `npm test` checks the same in
 * V8 with Espruino's missing built-ins removed; this checks that Espruino
 * parses and runs what the lowering writes.
 */
import { expect } from 'chai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { EspruinoProcess, espruinoBinary } from '../../../host-sim/espruino/engine.ts';
import { lowerForEspruino } from '../../../toolchain/espruino/lower.ts';
import { run as runAsWritten } from '../fixtures/lowerable.ts';

const ROOT = resolve(import.meta.dirname, '../../..');

describe('espruino engine: lowered code means what the source means', () => {
  it('runs the lowering fixture with the same results as Node (its last, non-ASCII string aside)', async () => {
    const lowered = await lowerForEspruino({ entry: join(ROOT, 'test/espruino/fixtures/lowerable.ts') });
    const dir = mkdtempSync(join(tmpdir(), 'chipweb-espruino-lowered-'));
    const script = join(dir, 'lowered.js');
    writeFileSync(
      script,
      `${lowered.code}\nlowerable().then(function(r){print('@@RESULT '+JSON.stringify(r));},function(e){print('@@FAILED '+e);});\n`,
    );
    const board = EspruinoProcess.bootScript(espruinoBinary(process.env), dir, script);
    try {
      const line = await board.waitFor(/^@@(RESULT|FAILED)/, 30000);
      expect(line.startsWith('@@RESULT'), `${line}\n${board.tail()}`).to.equal(true);
      const results = JSON.parse(line.slice('@@RESULT '.length)) as unknown[];
      const expected = JSON.parse(JSON.stringify(await runAsWritten())) as unknown[];
      // The fixture ends with 'grüße ✓': an ESP32 build of Espruino has no Unicode (its string is the UTF-8 bytes).
      expect(results.slice(0, -1)).to.deep.equal(expected.slice(0, -1));
      expect(results.length).to.equal(expected.length);
    } finally {
      await board.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
