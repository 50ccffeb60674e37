/**
 * The Espruino reason phrases (firmware/espruino/status.ts) against the
 * core's table, in Node: the build's CHIPWEB_REASONS string (made by
 * toolchain/espruino/build.ts from the core's table) stood in for as a
 * global, every code from 0 to 999 gives the core's phrase, and the codes
 * preencoded at start are codes of the core's table.
 *
 * Never: leave the stand-in on globalThis after the tests.
 */
import { expect } from 'chai';
import { knownStatusCodes as espruinoCodes, reasonPhrase as espruinoPhrase } from '../../firmware/espruino/status.ts';
import { knownStatusCodes, reasonPhrase } from '../../src/http/status.ts';
import { reasonTable } from '../../toolchain/espruino/build.ts';

describe('espruino status: the core reason phrases, kept in flash', () => {
  before(() => {
    (globalThis as { CHIPWEB_REASONS?: string }).CHIPWEB_REASONS = reasonTable();
  });
  after(() => {
    delete (globalThis as { CHIPWEB_REASONS?: string }).CHIPWEB_REASONS;
  });

  it('answers every code as the core does, and preencodes only codes the core knows', () => {
    const known = knownStatusCodes();
    expect(espruinoCodes().every((code) => known.indexOf(code) >= 0)).to.equal(true);
    expect(espruinoCodes()).to.include.members([200, 204, 304, 404]);
    for (let code = 0; code < 1000; code++) expect(espruinoPhrase(code), String(code)).to.equal(reasonPhrase(code));
  });
});
