/**
 * parseJson (src/json.ts): with the member names a handler reads, XS keeps
 * only those and makes no name for the others (a client's made-up names
 * would otherwise use up the board's fixed name table and restart it);
 * V8 keeps every member. Both parse the same values.
 */
import { expect } from 'chai';
import { bundleSourceForXs } from '../../host-sim/xs/bundle.ts';
import { XsWorker } from '../../host-sim/xs/worker.ts';
import { parseJson } from '../../src/json.ts';

describe('parseJson', () => {
  it('in V8: parses as JSON.parse, whatever the keys', () => {
    expect(parseJson('{"on":true,"made-up":1}', ['on'])).to.deep.equal({ on: true, 'made-up': 1 });
    expect(() => parseJson('{', ['on'])).to.throw(SyntaxError);
  });

  it('on XS: keeps only the listed members, at every depth', async () => {
    const worker = await XsWorker.start({ onPrint: () => {} });
    try {
      const { code } = await bundleSourceForXs(
        'json-keys',
        "import { parseJson } from './src/json.ts';\n(globalThis as any).parseJson = parseJson;\n",
      );
      await worker.evaluate(code);
      await worker.evaluate(
        `globalThis.handleCommand = () => {
          const kept = parseJson('{"on":true,"zq9x":1,"nested":{"on":false,"zq9y":2}}', ['on', 'nested']);
          return new TextEncoder().encode(JSON.stringify(kept)).buffer;
        }`,
      );
      // Only the listed names: XS took the array (xsJSON.c looks each member's name up with fxFindName
      // instead of making it with fxNewName), where V8 above kept every member.
      const { reply } = await worker.command(new Uint8Array(0));
      expect(JSON.parse(new TextDecoder().decode(reply))).to.deep.equal({ on: true, nested: { on: false } });
    } finally {
      await worker.close();
    }
  });
});
