/**
 * The frame parser, byte for byte: the RFC 6455 §5.7 examples, every split
 * of them, fragmentation with control frames between fragments, the length
 * forms, limits, close codes, and each kind of bad input with its close
 * code; frames made by the `ws` package's Sender as a second source.
 */
import { expect } from 'chai';
import { FrameParser, largestMessage, WS_MORE, CONTROL_ROOM } from '../../src/ws/frame-parser.ts';
import { OP_BINARY, OP_CLOSE, OP_CONTINUATION, OP_PING, OP_PONG, OP_TEXT } from '../../src/ws/codes.ts';
import { clientFrame, concat, runParser, utf8, wsInternals } from './frames.ts';

const bytes = (...b: number[]) => Uint8Array.from(b);
const hexOf = (b: Uint8Array) => Buffer.from(b).toString('hex');
const text = (s: string) => hexOf(utf8(s));

/** The RFC's masked "Hello" (§5.7). */
const MASKED_HELLO = bytes(0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58);

describe('ws: frame parser', () => {
  it('reads the RFC’s masked "Hello" text frame, in place, split at every point', () => {
    for (let cut = 0; cut <= MASKED_HELLO.length; cut++) {
      const run = runParser(MASKED_HELLO, [cut === 0 ? MASKED_HELLO.length : cut, 100], 512);
      expect(run).to.deep.equal({ events: [{ kind: 'text', hex: text('Hello') }], failure: 0 });
    }
    // Exact offsets: the message sits at the start of the slot.
    const slot = new Uint8Array(512);
    slot.set(MASKED_HELLO);
    const parser = new FrameParser(512);
    parser.reset(0, 0);
    expect(parser.parse(slot, MASKED_HELLO.length)).to.equal(OP_TEXT);
    expect([parser.start, parser.end]).to.deep.equal([0, 5]);
    expect(Buffer.from(slot.subarray(0, 5)).toString()).to.equal('Hello');
    expect(parser.parse(slot, MASKED_HELLO.length)).to.equal(WS_MORE);
    expect(parser.filled).to.equal(0);
  });

  it('reads the RFC’s masked pong, and ping, pong and close payloads where they lie', () => {
    const pong = bytes(0x8a, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58);
    expect(runParser(pong, [], 512).events).to.deep.equal([{ kind: 'pong', hex: text('Hello') }]);
    const slot = new Uint8Array(512);
    const stream = concat([
      clientFrame({ opcode: OP_PING, payload: utf8('ab') }),
      clientFrame({ opcode: OP_CLOSE, payload: concat([bytes(0x03, 0xe8), utf8('bye')]) }),
    ]);
    slot.set(stream);
    const parser = new FrameParser(512);
    parser.reset(0, 0);
    expect(parser.parse(slot, stream.length)).to.equal(OP_PING);
    expect([parser.start, parser.end]).to.deep.equal([6, 8]);
    expect(parser.parse(slot, stream.length)).to.equal(OP_CLOSE);
    expect(parser.closeCode).to.equal(1000);
    expect(Buffer.from(slot.subarray(parser.start, parser.end)).toString()).to.equal('bye');
  });

  it('assembles a fragmented message in place, with control frames between the fragments', () => {
    const stream = concat([
      clientFrame({ opcode: OP_TEXT, fin: false, payload: utf8('Hel') }),
      clientFrame({ opcode: OP_PING, payload: utf8('p1') }),
      clientFrame({ opcode: OP_CONTINUATION, fin: false, payload: new Uint8Array(0) }),
      clientFrame({ opcode: OP_PONG, payload: new Uint8Array(0) }),
      clientFrame({ opcode: OP_CONTINUATION, fin: true, payload: utf8('lo €') }),
      clientFrame({ opcode: OP_BINARY, fin: false, payload: bytes(1, 2) }),
      clientFrame({ opcode: OP_CONTINUATION, fin: true, payload: bytes(3) }),
      clientFrame({ opcode: OP_CLOSE, payload: new Uint8Array(0) }),
    ]);
    const expected = [
      { kind: 'ping', hex: text('p1') },
      { kind: 'pong', hex: '' },
      { kind: 'text', hex: text('Hello €') },
      { kind: 'binary', hex: '010203' },
      { kind: 'close', hex: '', code: 1005 },
    ];
    for (const pieces of [[], [1], [2], [3], [5, 1], [7, 11, 2]])
      expect(runParser(stream, pieces, 512)).to.deep.equal({ events: expected, failure: 0 });
  });

  it('reads 7-, 16- and 64-bit lengths (the RFC’s 256-byte and 64 KiB examples)', () => {
    for (const [n, bits] of [
      [125, 7],
      [126, 16],
      [256, 16],
      [65535, 16],
      [65536, 64],
      [10, 64], // a longer form than needed is accepted, as `ws` does
      [10, 16],
    ] as const) {
      const payload = Uint8Array.from({ length: n }, (_, i) => (i * 7) & 255);
      const frame = clientFrame({ opcode: OP_BINARY, payload, lengthBits: bits });
      expect(frame.length - n).to.equal(bits === 7 ? 6 : bits === 16 ? 8 : 14);
      const run = runParser(frame, [1000, 1], 70000);
      expect(run).to.deep.equal({ events: [{ kind: 'binary', hex: hexOf(payload) }], failure: 0 });
    }
  });

  it('reads frames the `ws` package’s Sender masks', () => {
    const { Sender } = wsInternals;
    const messages: [number, Buffer][] = [
      [OP_TEXT, Buffer.from('héllo wörld')],
      [OP_BINARY, Buffer.alloc(300, 9)],
      [OP_PING, Buffer.from('ping!')],
      [OP_BINARY, Buffer.alloc(70000, 1)],
      [OP_TEXT, Buffer.alloc(0)],
    ];
    const frames = messages.flatMap(([opcode, data]) =>
      Sender.frame(Buffer.from(data), { fin: true, opcode, mask: true, readOnly: false }),
    );
    const run = runParser(concat(frames), [4096], 80000);
    expect(run.failure).to.equal(0);
    expect(run.events.map((e) => e.hex)).to.deep.equal(messages.map(([, data]) => data.toString('hex')));
    expect(run.events.map((e) => e.kind)).to.deep.equal(['text', 'binary', 'ping', 'binary', 'text']);
  });

  it('starts after the upgrade request when the client sent frames with it', () => {
    const head = Buffer.from('GET /ws HTTP/1.1\r\nHost: x\r\n\r\n', 'latin1');
    const run = runParser(MASKED_HELLO, [3], 512, 0, head.length);
    expect(run.events).to.deep.equal([{ kind: 'text', hex: text('Hello') }]);
  });

  it('keeps the bytes before `base` (the route params) and assembles messages after them, with the limit shrunk', () => {
    const head = Buffer.from('GET /ws/kitchen HTTP/1.1\r\nHost: x\r\n\r\n', 'latin1');
    const fragments = concat([
      clientFrame({ opcode: OP_TEXT, fin: false, payload: utf8('Hel') }),
      clientFrame({ opcode: OP_PING, payload: utf8('p') }),
      clientFrame({ opcode: OP_CONTINUATION, payload: utf8('lo') }),
    ]);
    for (const pieces of [[], [1], [5, 2]]) {
      const run = runParser(concat([fragments, MASKED_HELLO]), pieces, 512, 0, head.length, 7);
      expect(run.events, String(pieces)).to.deep.equal([
        { kind: 'ping', hex: text('p') },
        { kind: 'text', hex: text('Hello') },
        { kind: 'text', hex: text('Hello') },
      ]);
    }
    const parser = new FrameParser(512);
    parser.reset(head.length, 0, 7);
    expect(parser.limit).to.equal(largestMessage(512 - 7));
    const most = largestMessage(512 - 7);
    const exact = clientFrame({ opcode: OP_BINARY, payload: new Uint8Array(most) });
    expect(runParser(exact, [64], 512, 0, 7, 7).events).to.have.length(1);
    const over = clientFrame({ opcode: OP_BINARY, payload: new Uint8Array(most + 1) });
    expect(runParser(over, [64], 512, 0, 7, 7).failure).to.equal(1009);
  });

  it('fails with 1002 on unmasked frames, reserved bits, reserved opcodes and bad fragmentation', () => {
    const cases: [string, Uint8Array][] = [
      ['the RFC’s unmasked "Hello"', bytes(0x81, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f)],
      ['unmasked ping', clientFrame({ opcode: OP_PING, payload: utf8('x'), masked: false })],
      ['RSV1', clientFrame({ opcode: OP_TEXT, payload: utf8('x'), rsv: 4 })],
      ['RSV2', clientFrame({ opcode: OP_BINARY, payload: utf8('x'), rsv: 2 })],
      ['RSV3', clientFrame({ opcode: OP_PING, payload: utf8('x'), rsv: 1 })],
      ['continuation without a start', clientFrame({ opcode: OP_CONTINUATION, payload: utf8('x') })],
      [
        'text during a fragmented message',
        concat([
          clientFrame({ opcode: OP_TEXT, fin: false, payload: utf8('a') }),
          clientFrame({ opcode: OP_TEXT, payload: utf8('b') }),
        ]),
      ],
      [
        'binary during a fragmented message',
        concat([
          clientFrame({ opcode: OP_BINARY, fin: false, payload: utf8('a') }),
          clientFrame({ opcode: OP_BINARY, payload: utf8('b') }),
        ]),
      ],
      ['fragmented ping', clientFrame({ opcode: OP_PING, fin: false, payload: utf8('x') })],
      ['ping of 126 bytes', clientFrame({ opcode: OP_PING, payload: new Uint8Array(126) })],
      ['pong with a 16-bit length', clientFrame({ opcode: OP_PONG, payload: new Uint8Array(3), lengthBits: 16 })],
      ['close of 1 byte', clientFrame({ opcode: OP_CLOSE, payload: bytes(3) })],
      [
        '64-bit length with the top bit set',
        clientFrame({ opcode: OP_BINARY, payload: new Uint8Array(0), lengthBits: 64, declaredLength: 2 ** 63 }),
      ],
      ...[3, 4, 5, 6, 7, 11, 12, 13, 14, 15].map((op): [string, Uint8Array] => [
        `opcode ${op}`,
        clientFrame({ opcode: op, payload: utf8('x') }),
      ]),
    ];
    for (const [name, stream] of cases) {
      for (const pieces of [[], [1]]) {
        const run = runParser(concat([stream, MASKED_HELLO]), pieces, 512);
        expect(run.failure, name).to.equal(1002);
      }
    }
  });

  it('fails with 1002 on invalid close codes, 1007 on a reason that is not UTF-8', () => {
    const close = (code: number, reason: Uint8Array = new Uint8Array(0)) =>
      clientFrame({ opcode: OP_CLOSE, payload: concat([bytes(code >> 8, code & 255), reason]) });
    for (const code of [0, 999, 1004, 1005, 1006, 1015, 1016, 2000, 2999, 5000, 65535])
      expect(runParser(close(code), [], 512).failure, String(code)).to.equal(1002);
    for (const code of [1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 3000, 4999]) {
      const run = runParser(close(code, utf8('ok')), [], 512);
      expect(run.events, String(code)).to.deep.equal([{ kind: 'close', hex: text('ok'), code }]);
    }
    expect(runParser(close(1000, bytes(0xc3)), [], 512).failure).to.equal(1007);
    expect(runParser(close(1000, bytes(0xed, 0xa0, 0x80)), [], 512).failure).to.equal(1007);
  });

  it('fails with 1007 at the first bad byte of a text message, and accepts characters split across frames', () => {
    // The bad byte is in the first fragment: the failure comes before the rest arrives.
    const first = clientFrame({ opcode: OP_TEXT, fin: false, payload: bytes(0x41, 0xff, 0x41) });
    const slot = new Uint8Array(512);
    const parser = new FrameParser(512);
    parser.reset(0, 0);
    slot.set(first.subarray(0, 8)); // head + 2 payload bytes
    expect(parser.parse(slot, 8)).to.equal(-1007);
    expect(parser.parse(slot, 8)).to.equal(-1007); // and stays failed

    const euro = utf8('€'); // e2 82 ac
    const split = concat([
      clientFrame({ opcode: OP_TEXT, fin: false, payload: euro.subarray(0, 1) }),
      clientFrame({ opcode: OP_PING, payload: new Uint8Array(0) }),
      clientFrame({ opcode: OP_CONTINUATION, fin: false, payload: euro.subarray(1, 2) }),
      clientFrame({ opcode: OP_CONTINUATION, payload: euro.subarray(2) }),
    ]);
    expect(runParser(split, [1], 512).events).to.deep.equal([
      { kind: 'ping', hex: '' },
      { kind: 'text', hex: hexOf(euro) },
    ]);
    // A message that ends inside a character fails at its end.
    const truncated = clientFrame({ opcode: OP_TEXT, payload: euro.subarray(0, 2) });
    expect(runParser(truncated, [], 512).failure).to.equal(1007);
    // Binary messages are not checked.
    expect(runParser(clientFrame({ opcode: OP_BINARY, payload: bytes(0xff) }), [], 512).events).to.have.length(1);
  });

  it('fails with 1009 at the head of a frame that would take the message past the limit', () => {
    const capacity = 1024;
    const most = largestMessage(capacity);
    expect(most).to.equal(capacity - CONTROL_ROOM);
    const exact = clientFrame({ opcode: OP_BINARY, payload: new Uint8Array(most).fill(5) });
    expect(runParser(exact, [100], capacity).events).to.have.length(1);
    const over = clientFrame({ opcode: OP_BINARY, payload: new Uint8Array(most + 1) });
    // Only the head is fed: the failure does not wait for the payload.
    expect(runParser(over.subarray(0, 8), [], capacity).failure).to.equal(1009);
    // Fragments count together.
    const fragments = concat([
      clientFrame({ opcode: OP_TEXT, fin: false, payload: new Uint8Array(60).fill(0x61) }),
      clientFrame({ opcode: OP_CONTINUATION, payload: new Uint8Array(41).fill(0x61) }),
    ]);
    expect(runParser(fragments, [], capacity, 100).failure).to.equal(1009);
    expect(runParser(fragments, [], capacity, 101).events).to.have.length(1);
    // A configured limit above what the slot can assemble is lowered to it.
    expect(runParser(over, [], capacity, 10 * capacity).failure).to.equal(1009);
    // 64-bit lengths past 2^32.
    const huge = clientFrame({
      opcode: OP_BINARY,
      payload: new Uint8Array(0),
      lengthBits: 64,
      declaredLength: 2 ** 40,
    });
    expect(runParser(huge, [], capacity).failure).to.equal(1009);
    // Control frames do not count towards the limit.
    const ping = clientFrame({ opcode: OP_PING, payload: new Uint8Array(125) });
    expect(runParser(ping, [], capacity, 10).events).to.have.length(1);
  });

  it('assembles a message of the whole limit from 1-byte fragments with 125-byte pings between them, read into the free end only', () => {
    const capacity = 600;
    const most = largestMessage(capacity);
    const payload = Uint8Array.from({ length: most }, (_, i) => 65 + (i % 26));
    const frames: Uint8Array[] = [];
    for (let i = 0; i < most; i++) {
      frames.push(
        clientFrame({
          opcode: i === 0 ? OP_TEXT : OP_CONTINUATION,
          fin: i === most - 1,
          payload: payload.subarray(i, i + 1),
        }),
      );
      if (i % 50 === 49 || i === most - 2)
        frames.push(clientFrame({ opcode: OP_PING, payload: new Uint8Array(125).fill(i & 255) }));
    }
    const run = runParser(concat(frames), [4096, 7, 1], capacity);
    expect(run.failure).to.equal(0);
    const message = run.events.filter((e) => e.kind === 'text');
    expect(message).to.deep.equal([{ kind: 'text', hex: hexOf(payload) }]);
    expect(run.events.filter((e) => e.kind === 'ping')).to.have.length(Math.floor(most / 50) + 1);
  });

  it('drops what follows the peer’s Close', () => {
    const stream = concat([clientFrame({ opcode: OP_CLOSE, payload: new Uint8Array(0) }), MASKED_HELLO]);
    const slot = new Uint8Array(512);
    slot.set(stream);
    const parser = new FrameParser(512);
    parser.reset(0, 0);
    expect(parser.parse(slot, stream.length)).to.equal(OP_CLOSE);
    expect(parser.parse(slot, stream.length)).to.equal(WS_MORE);
    expect(parser.filled).to.equal(0);
  });

  it('refuses a slot too small to hold a control frame beside a message', () => {
    expect(() => new FrameParser(2 * CONTROL_ROOM - 1)).to.throw(RangeError);
  });
});
