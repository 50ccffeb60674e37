/**
 * Server frames: exact bytes for the RFC 6455 §5.7 examples and the length
 * boundaries, heads equal to the `ws` package's Sender for the same
 * lengths, and whole frames read back by `ws`'s client-side Receiver.
 */
import { expect } from 'chai';
import { frameHeadLength, writeCloseFrame, writeControlFrame, writeFrameHead } from '../../src/ws/frame-writer.ts';

const END = { encodeEnd: 0 };
import { OP_BINARY, OP_CLOSE, OP_PING, OP_PONG, OP_TEXT } from '../../src/ws/codes.ts';
import { wsInternals } from './frames.ts';

const hexOf = (b: Uint8Array) => Buffer.from(b).toString('hex');

/** Reads server frames with ws's client-side Receiver; resolves with what it reported. */
async function readBack(frames: Uint8Array): Promise<string[]> {
  const receiver = new (
    wsInternals.Receiver as unknown as new (o: {
      isServer: boolean;
    }) => {
      on(event: string, listener: (...args: never[]) => void): void;
      write(chunk: Buffer, callback: () => void): void;
    }
  )({ isServer: false });
  const seen: string[] = [];
  receiver.on('message', (data: Buffer, isBinary: boolean) =>
    seen.push(`${isBinary ? 'binary' : 'text'} ${data.toString('hex')}`),
  );
  receiver.on('ping', (data: Buffer) => seen.push(`ping ${data.toString('hex')}`));
  receiver.on('pong', (data: Buffer) => seen.push(`pong ${data.toString('hex')}`));
  receiver.on('conclude', (code: number, reason: Buffer) => seen.push(`close ${code} ${reason.toString()}`));
  receiver.on('error', (error: Error) => seen.push(`error ${error.message}`));
  await new Promise<void>((resolve) => receiver.write(Buffer.from(frames), resolve));
  return seen;
}

describe('ws: frame writer', () => {
  it('writes the RFC’s unmasked "Hello", fragmented "Hel"+"lo", and 256-byte and 64 KiB heads', () => {
    const out = new Uint8Array(32);
    let p = writeFrameHead(out, 0, OP_TEXT, true, 5);
    out.set(Buffer.from('Hello'), p);
    expect(hexOf(out.subarray(0, p + 5))).to.equal('810548656c6c6f');
    p = writeFrameHead(out, 0, OP_TEXT, false, 3);
    expect(hexOf(out.subarray(0, p))).to.equal('0103');
    p = writeFrameHead(out, 0, 0, true, 2);
    expect(hexOf(out.subarray(0, p))).to.equal('8002');
    p = writeFrameHead(out, 0, OP_BINARY, true, 256);
    expect(hexOf(out.subarray(0, p))).to.equal('827e0100');
    p = writeFrameHead(out, 0, OP_BINARY, true, 65536);
    expect(hexOf(out.subarray(0, p))).to.equal('827f0000000000010000');
  });

  it('writes the same heads as the `ws` Sender at every length boundary', () => {
    for (const length of [0, 1, 125, 126, 127, 65535, 65536, 2 ** 32 - 1, 2 ** 32, 2 ** 40 + 5, 2 ** 48 - 1]) {
      for (const [opcode, fin] of [
        [OP_TEXT, true],
        [OP_BINARY, false],
      ] as const) {
        const [head] = wsInternals.Sender.frame({ length }, { fin, opcode, mask: false });
        const out = new Uint8Array(10);
        const end = writeFrameHead(out, 0, opcode, fin, length);
        expect(end, String(length)).to.equal(frameHeadLength(length));
        expect(hexOf(out.subarray(0, end)), String(length)).to.equal(head.toString('hex'));
      }
    }
    // Past what `ws` writes (2^48): the largest exact length.
    const out = new Uint8Array(10);
    writeFrameHead(out, 0, OP_BINARY, true, 2 ** 53 - 1);
    expect(hexOf(out)).to.equal('827f001fffffffffffff');
  });

  it('writes ping, pong and close frames that `ws` reads back', async () => {
    const out = new Uint8Array(512);
    const source = Buffer.from('xxpayloadxx');
    let p = writeControlFrame(out, 0, OP_PING, source, 2, 9);
    p = writeControlFrame(out, p, OP_PONG, source, 0, 0);
    p = writeFrameHead(out, p, OP_TEXT, true, 2);
    out[p++] = 0x68;
    out[p++] = 0x69;
    p = writeCloseFrame(out, p, 1001, 'going away', END);
    expect(await readBack(out.subarray(0, p))).to.deep.equal([
      `ping ${Buffer.from('payload').toString('hex')}`,
      'pong ',
      'text 6869',
      'close 1001 going away',
    ]);
  });

  it('writes a close without a code as an empty body, and cuts a long reason at a character boundary', async () => {
    const out = new Uint8Array(300).fill(0xee);
    expect(hexOf(out.subarray(0, writeCloseFrame(out, 0, 1005, 'ignored', END)))).to.equal('8800');
    expect(hexOf(out.subarray(0, writeCloseFrame(out, 0, 0, '', END)))).to.equal('8800');
    expect(hexOf(out.subarray(0, writeCloseFrame(out, 0, 1000, '', END)))).to.equal('880203e8');
    out.fill(0xee);
    const end = writeCloseFrame(out, 0, 4000, 'é'.repeat(100), END); // 200 bytes of reason
    expect(end).to.equal(2 + 2 + 122); // 61 whole characters
    expect(out[1]).to.equal(124);
    expect(out[end]).to.equal(0xee);
    expect(await readBack(out.subarray(0, end))).to.deep.equal([`close 4000 ${'é'.repeat(61)}`]);
    const ascii = writeCloseFrame(out, 0, 1000, 'x'.repeat(200), END);
    expect(ascii).to.equal(2 + 125);
    expect(out[1]).to.equal(125);
  });

  it('uses the opcode given for a close frame head too', () => {
    const out = new Uint8Array(4);
    expect(writeFrameHead(out, 0, OP_CLOSE, true, 0)).to.equal(2);
    expect(hexOf(out.subarray(0, 2))).to.equal('8800');
  });
});
