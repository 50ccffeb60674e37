/**
 * The lowering on the real engine ($ESPRUINO): the lowering fixture
 * (test/espruino/fixtures/lowerable.ts: classes, async functions, rest and
 * spread, Map and Set, methods named with keywords, the built-ins the
 * prelude stands in for …) lowered for Espruino and run by the binary gives
 * the same results as the source run by Node. `npm test` checks the same in
 * V8 with Espruino's missing built-ins removed; this checks that Espruino
 * parses and runs what the lowering writes, as text and pretokenised.
 */
import { expect } from 'chai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { EspruinoProcess, espruinoBinary } from '../../../host-sim/espruino/engine.ts';
import { lowerForEspruino } from '../../../toolchain/espruino/lower.ts';
import { pretokenise } from '../../../toolchain/espruino/pretokenise.ts';
import { run as runAsWritten } from '../fixtures/lowerable.ts';

const ROOT = resolve(import.meta.dirname, '../../..');

describe('espruino engine: lowered code means what the source means', () => {
  /**
   * Runs `code` (the lowered fixture, as text or pretokenised bytes) on the
   * binary as a board runs its boot code: written to Storage and evaluated
   * from there (a script named on the command line is read as a C string,
   * which a pretokenised integer's zero byte would end). Resolves to what
   * `report` (an expression the script evaluates after it, a value or a
   * promise) gives: by default the fixture's results.
   */
  async function runOnEngine(code: string | Uint8Array, report = 'lowerable()'): Promise<unknown[]> {
    const dir = mkdtempSync(join(tmpdir(), 'chipweb-espruino-lowered-'));
    const codeFile = join(dir, 'lowered.bin');
    writeFileSync(codeFile, code);
    const script = join(dir, 'run.js');
    writeFileSync(
      script,
      [
        "var S = require('Storage');",
        `S.write('lowered', require('fs').readFileSync(${JSON.stringify(codeFile)}));`,
        "eval(S.read('lowered'));",
        `Promise.resolve(${report}).then(function(r){print('@@RESULT '+JSON.stringify(r));},function(e){print('@@FAILED '+e);});`,
        '',
      ].join('\n'),
    );
    const board = EspruinoProcess.bootScript(espruinoBinary(process.env), dir, script);
    try {
      const line = await board.waitFor(/^@@(RESULT|FAILED)/, 30000);
      expect(line.startsWith('@@RESULT'), `${line}\n${board.tail()}`).to.equal(true);
      return JSON.parse(line.slice('@@RESULT '.length)) as unknown[];
    } finally {
      await board.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }

  let asWritten: unknown[] | undefined;
  /** The fixture's results as Node gives them for the source as written (once: its counters are module state). */
  async function expected(): Promise<unknown[]> {
    asWritten ??= JSON.parse(JSON.stringify(await runAsWritten())) as unknown[];
    return asWritten;
  }

  it('runs the lowering fixture with the same results as Node (its last, non-ASCII string aside)', async () => {
    const lowered = await lowerForEspruino({ entry: join(ROOT, 'test/espruino/fixtures/lowerable.ts') });
    const results = await runOnEngine(lowered.code);
    const want = await expected();
    // The fixture ends with 'grüße ✓': an ESP32 build of Espruino has no Unicode (its string is the UTF-8 bytes).
    expect(results.slice(0, -1)).to.deep.equal(want.slice(0, -1));
    expect(results.length).to.equal(want.length);
  });

  it("makes Espruino's built-in classes the first names of its root scope, and keeps their values' constructors", async () => {
    const lowered = await lowerForEspruino({ entry: join(ROOT, 'test/espruino/fixtures/lowerable.ts') });
    // A class first added to the root by its name is not its values' constructor there (see root-order.ts).
    const [names, constructors] = (await runOnEngine(
      lowered.code,
      '[Object.getOwnPropertyNames(global), [[1].constructor === Array, "x".constructor === String, ' +
        '(5).constructor === Number, ({}).constructor === Object, (function () {}).constructor === Function, ' +
        'new Uint8Array(1).constructor === Uint8Array]]',
    )) as [string[], boolean[]];
    const bundle = names.indexOf('lowerable');
    expect(bundle, names.join(',')).to.be.greaterThan(0);
    for (const name of ['String', 'Object', 'Uint8Array', 'ArrayBufferView', 'Function', 'Array', 'Number', 'E'])
      expect(names.indexOf(name), `${name} in ${names.slice(0, 30).join(',')}`).to.be.within(0, bundle - 1);
    expect(constructors).to.deep.equal([true, true, true, true, true, true]);
  });

  it('runs the fixture pretokenised, as a build stores it: the same results, the non-ASCII string as before', async () => {
    const lowered = await lowerForEspruino({ entry: join(ROOT, 'test/espruino/fixtures/lowerable.ts') });
    const asText = await runOnEngine(lowered.code);
    const results = await runOnEngine(pretokenise(lowered.code));
    const want = await expected();
    expect(results.slice(0, -1)).to.deep.equal(want.slice(0, -1));
    // A non-ASCII string stays quoted: the engine reads it as it reads the text.
    expect(results[results.length - 1]).to.equal(asText[asText.length - 1]);
  });
});
