/**
 * The Espruino platform's sockets (firmware/espruino/platform.ts), in Node
 * with Espruino's `net` stood in: a peer that closed before its 'close'
 * event ran makes Espruino's socket write() throw "This socket is closed"
 * (libs/network/jswrap_net.c); the platform drops those bytes as it does
 * after the event, and the core still hears of the close from the event.
 * Any other error from write() still reaches the edge's log.
 * (test:espruino's hostile clients meet the race on the engine.)
 *
 * Never: leave the stand-ins in place after the tests.
 */
import { expect } from 'chai';
import type { Socket, SocketHandler } from '../../src/platform.ts';
import { EspruinoPlatform } from '../../firmware/espruino/platform.ts';

/** An Espruino socket whose write() throws `error` once it is set, as a socket whose peer has gone does. */
class NativeSocket {
  written: string[] = [];
  error: Error | null = null;
  ended = false;
  private handlers = new Map<string, (arg?: unknown) => void>();
  on(event: string, handler: (arg?: unknown) => void): void {
    this.handlers.set(event, handler);
  }
  emit(event: string, arg?: unknown): void {
    this.handlers.get(event)?.(arg);
  }
  write(data: string): boolean {
    if (this.error !== null) throw this.error;
    this.written.push(data);
    return false;
  }
  end(): void {
    this.ended = true;
  }
}

describe('espruino platform: sockets', () => {
  const globals = globalThis as unknown as Record<string, unknown>;
  const saved: Record<string, unknown> = {};
  let connect: (native: NativeSocket) => void;
  let logged: string[];

  before(() => {
    for (const name of ['require', 'E', 'getTime']) saved[name] = globals[name];
    globals.require = (name: string) => {
      if (name !== 'net') throw new Error(`no module ${name} in this stand-in`);
      return {
        createServer(onConnection: (native: NativeSocket) => void) {
          connect = onConnection;
          return { listen() {}, close() {} };
        },
      };
    };
    globals.E = { toString: (bytes: Uint8Array) => Buffer.from(bytes).toString('latin1') };
    globals.getTime = () => Date.now() / 1000;
  });
  after(() => {
    for (const name of Object.keys(saved)) globals[name] = saved[name];
  });

  /** A platform listening with `handler`, its log in `logged`. */
  async function listening(handler: Partial<SocketHandler>): Promise<EspruinoPlatform> {
    logged = [];
    const platform = new EspruinoPlatform({ inFlight: 1024 });
    platform.log = (line: string) => logged.push(line);
    const full: SocketHandler = {
      accept() {},
      readable() {},
      writable() {},
      closed() {},
      ...handler,
    };
    await platform.listen({ port: 80 }, full);
    return platform;
  }

  it('drops what is written to a socket whose peer closed before its close event, and the core hears the close', async () => {
    const closed: Socket[] = [];
    let accepted: Socket | null = null;
    await listening({
      accept(socket) {
        accepted = socket;
        // As the overflow queue answers a newcomer when every slot is busy.
        expect(socket.writeText?.('HTTP/1.1 503 Service Unavailable\r\n\r\n')).to.equal(true);
        expect(socket.write(new Uint8Array([1, 2, 3]), 0, 3)).to.equal(3);
        socket.close();
      },
      closed(socket) {
        closed.push(socket);
      },
    });
    const native = new NativeSocket();
    native.error = new Error('This socket is closed');
    connect(native);
    expect(logged).to.deep.equal([]);
    expect(native.written).to.deep.equal([]);
    expect(accepted).to.not.equal(null);
    // close() was the core's: the event that follows tells nobody again.
    native.emit('close');
    expect(closed).to.deep.equal([]);
  });

  it('a write into a socket that is gone, before the core closed it, is dropped and the close event reaches the core', async () => {
    const closed: Socket[] = [];
    await listening({
      readable(socket) {
        socket.write(new Uint8Array([65]), 0, 1);
      },
      closed(socket) {
        closed.push(socket);
      },
    });
    const native = new NativeSocket();
    connect(native);
    native.emit('data', 'x');
    expect(native.written).to.deep.equal(['A']);
    native.error = new Error('This socket is closed');
    native.emit('data', 'y');
    expect(logged).to.deep.equal([]);
    native.emit('close');
    expect(closed).to.have.length(1);
  });

  it('any other error from write() is logged at the edge, as before', async () => {
    await listening({
      accept(socket) {
        socket.writeText?.('hello');
      },
    });
    const native = new NativeSocket();
    native.error = new Error('Out of memory');
    connect(native);
    expect(logged).to.deep.equal(['chipweb: accept: Out of memory']);
    expect(native.ended).to.equal(true);
  });
});
