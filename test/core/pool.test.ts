import { expect } from 'chai';
import { Pool } from '../../src/pool.ts';

describe('pool', () => {
  it('cuts one buffer into fixed slots with input and output views', () => {
    const pool = new Pool({ slots: 3, slotSize: 512, outputSize: 256 });
    expect(pool.memory.byteLength).to.equal(3 * 768);
    for (let i = 0; i < 3; i++) {
      expect(pool.inputs[i].buffer).to.equal(pool.memory);
      expect(pool.inputs[i].length).to.equal(512);
      expect(pool.outputs[i].length).to.equal(256);
      expect(pool.outputs[i].byteOffset).to.equal(pool.inputs[i].byteOffset + 512);
    }
  });

  it('hands out every slot once, then -1, and takes them back', () => {
    const pool = new Pool({ slots: 2, slotSize: 256, outputSize: 256 });
    const a = pool.acquire();
    const b = pool.acquire();
    expect([a, b].sort()).to.deep.equal([0, 1]);
    expect(pool.acquire()).to.equal(-1);
    expect(pool.inUse).to.equal(2);
    pool.release(a);
    expect(pool.inUse).to.equal(1);
    expect(pool.acquire()).to.equal(a);
    expect(pool.highWater).to.equal(2);
  });

  it('refuses a double release and bad sizes', () => {
    const pool = new Pool({ slots: 1, slotSize: 256, outputSize: 256 });
    const slot = pool.acquire();
    pool.release(slot);
    expect(() => pool.release(slot)).to.throw(/released twice/);
    expect(() => new Pool({ slots: 0, slotSize: 256, outputSize: 256 })).to.throw(/slots/);
    expect(() => new Pool({ slots: 1, slotSize: 10, outputSize: 256 })).to.throw(/slotSize/);
  });
});
