/**
 * Node side of the XS harness: bundles an app with the XS-side driver
 * (driver.ts) and the in-memory Platform into one script, loads it into an
 * XS worker, and speaks the driver's command protocol: connections,
 * raw bytes in, raw bytes out, virtual time.
 *
 * Never: interpret HTTP here; the engine under test is the one inside XS.
 */
import { XsWorker } from './worker.ts';
import type { XsWorkerOptions } from './worker.ts';
import { bundleSourceForXs } from './bundle.ts';

/** One thing the server did, as reported by the driver. */
export type XsEvent =
  | { kind: 'data'; id: number; bytes: Uint8Array }
  | { kind: 'closed'; id: number }
  | { kind: 'log'; line: string };

/** Options of {@link XsEngine.start}. */
export interface XsEngineOptions extends XsWorkerOptions {
  /**
   * Module source of the XS entry's set-up, after the driver is imported as
   * `installDriver`: it must call `installDriver(start)`. Imports may use
   * paths relative to the repository root (`./src/...`) or absolute paths.
   */
  setup: string;
  /** Minify the bundle (default false). */
  minify?: boolean;
}

/** A chipweb server running inside an XS worker. Calls are queued; each resolves in order. */
export class XsEngine {
  /** The worker (for heap counts and gc). */
  readonly worker: XsWorker;
  /** Size of the script loaded into XS, in bytes. */
  readonly bundleBytes: number;
  /** Live XS heap slots after the last command (garbage included until XS collects). */
  heapCount = 0;
  /** Bytes XS had obtained for its heaps after the last command. */
  allocated = 0;

  private constructor(worker: XsWorker, bundleBytes: number) {
    this.worker = worker;
    this.bundleBytes = bundleBytes;
  }

  /** Bundles the entry, starts a worker and the server inside it. */
  static async start(options: XsEngineOptions): Promise<XsEngine> {
    const source = `import { installDriver } from './host-sim/xs/driver.ts';\n${options.setup}\n`;
    const { code, bytes } = await bundleSourceForXs('xs-engine', source, { minify: options.minify });
    const worker = await XsWorker.start(options);
    try {
      await worker.evaluate(code);
      const engine = new XsEngine(worker, bytes);
      await engine.poll(); // throws when the server failed to start
      return engine;
    } catch (error) {
      worker.terminate();
      throw error;
    }
  }

  /** Replaces the server with a fresh one (new platform, new pool). */
  async restart(): Promise<void> {
    await this.command(new Uint8Array([0x52]));
    await this.poll();
  }

  /** Opens a connection from `remoteAddress`; resolves with its id. */
  async connect(remoteAddress = '127.0.0.1'): Promise<number> {
    const message = new Uint8Array(1 + remoteAddress.length);
    message[0] = 0x43;
    for (let i = 0; i < remoteAddress.length; i++) message[i + 1] = remoteAddress.charCodeAt(i) & 255;
    const reply = await this.command(message);
    return new DataView(reply.buffer, reply.byteOffset, 4).getUint32(0, true);
  }

  /** The client of connection `id` sends `bytes`; resolves with everything the server did in response. */
  async send(id: number, bytes: Uint8Array): Promise<XsEvent[]> {
    const message = new Uint8Array(5 + bytes.length);
    message[0] = 0x53;
    new DataView(message.buffer).setUint32(1, id, true);
    message.set(bytes, 5);
    return decodeEvents(await this.command(message));
  }

  /** The client of connection `id` closes it. */
  async end(id: number): Promise<XsEvent[]> {
    const message = new Uint8Array(5);
    message[0] = 0x45;
    new DataView(message.buffer).setUint32(1, id, true);
    return decodeEvents(await this.command(message));
  }

  /** Moves the virtual clock forward by `ms`, running the timers that fall due. */
  async advance(ms: number): Promise<XsEvent[]> {
    const message = new Uint8Array(9);
    message[0] = 0x41;
    new DataView(message.buffer).setFloat64(1, ms, true);
    return decodeEvents(await this.command(message));
  }

  /** Collects output without doing anything else. */
  async poll(): Promise<XsEvent[]> {
    return decodeEvents(await this.command(new Uint8Array([0x50])));
  }

  /** The server's counters (ServerStats), as JSON from inside XS. */
  async stats(): Promise<Record<string, unknown>> {
    const reply = await this.command(new Uint8Array([0x54]));
    return JSON.parse(Buffer.from(reply).toString('utf8')) as Record<string, unknown>;
  }

  private async command(message: Uint8Array): Promise<Uint8Array> {
    const result = await this.worker.command(message);
    this.heapCount = result.heapCount;
    this.allocated = result.allocated;
    return result.reply;
  }

  /** Stops the worker. */
  close(): Promise<void> {
    return this.worker.close();
  }
}

/** Splits a driver reply into events. */
export function decodeEvents(reply: Uint8Array): XsEvent[] {
  const events: XsEvent[] = [];
  const view = new DataView(reply.buffer, reply.byteOffset, reply.byteLength);
  let p = 0;
  while (p + 9 <= reply.length) {
    const kind = reply[p];
    const id = view.getUint32(p + 1, true);
    const length = view.getUint32(p + 5, true);
    const bytes = reply.slice(p + 9, p + 9 + length);
    p += 9 + length;
    if (kind === 0x57) events.push({ kind: 'data', id, bytes });
    else if (kind === 0x58) events.push({ kind: 'closed', id });
    else if (kind === 0x4c) events.push({ kind: 'log', line: Buffer.from(bytes).toString('utf8') });
  }
  return events;
}
