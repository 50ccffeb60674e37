/**
 * The census reader (host-sim/espruino/layout.ts) in Node, on lines as
 * Espruino 2v29's `E.dumpVariables()` prints them on the 64-bit simulator:
 * each kind of variable converts to an ESP32's layout by its own rule, and
 * a name whose count the simulator's layout does not predict stops it.
 */
import { expect } from 'chai';
import { esp32Estimate } from '../../host-sim/espruino/layout.ts';

describe('espruino layout: the census on an ESP32', () => {
  it('counts a name of 5 to 8 characters as 2 variables there, and a short one as 1', () => {
    const e = esp32Estimate([
      'ref,size,flags,name,links...',
      '6,1,33,"timers",7,',
      '2,1,28,"\\xFF",3,',
      '9,1,21,"abc",',
    ]);
    expect(e.names).to.deep.equal({ simulator: 3, esp32: 4 });
    expect(e.midNames).to.equal(1);
  });

  it("counts a long name's extensions at 10 characters each there, against 14", () => {
    // "prototype" (9): 1 + 1 extension on both; 15 characters: 1 + 1 on the simulator, 1 + 2 there.
    const e = esp32Estimate(['18,2,35,"prototype",20,', '40,2,35,"abcdefghijklmno",41,']);
    expect(e.names).to.deep.equal({ simulator: 4, esp32: 5 });
  });

  it('counts strings by their characters, and flat strings by 14 bytes a variable', () => {
    const e = esp32Estimate([
      '5,1,36,String "",',
      '7,1,47,String "abcdefghijk",', // 11 characters: 1 there too (9 in the first, then an extension: 2)
      '8,443,50,String "\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00...",',
    ]);
    expect(e.strings).to.deep.equal({ simulator: 2, esp32: 3 });
    expect(e.flatStrings).to.deep.equal({ simulator: 443, esp32: 1 + Math.ceil((442 * 18) / 14) });
  });

  it('counts every other variable as it is, and the total of all', () => {
    const e = esp32Estimate(['1,1,1,Object,2,12,', '4,1,3,Array,', '13,1,8,,18,', '6,1,33,"timers",7,']);
    expect(e.total).to.deep.equal({ simulator: 4, esp32: 5 });
  });

  it('stops at a name whose count the simulator does not predict (a different layout)', () => {
    expect(() => esp32Estimate(['6,2,33,"timers",7,'])).to.throw(/lays out its variables differently from 2v29/);
  });
});
