/**
 * XS side of the harness: runs a chipweb Server on the in-memory Platform
 * inside the XS engine and lets the host drive it through the worker's
 * `handleCommand`: open connections, deliver raw request bytes, advance
 * the virtual clock; every answer carries what the server wrote since the
 * last one. Node only moves bytes; the HTTP engine runs here, in XS.
 *
 * Commands (bytes; integers little-endian):
 *   'R'                     restart: a fresh platform and server
 *   'C' address…            connect; reply: u32 connection id
 *   'S' u32 id, bytes…      the client sends bytes
 *   'E' u32 id              the client closes
 *   'A' f64 ms              advance the virtual clock (runs due timers)
 *   'P'                     poll: only collect output
 *   'T'                     the server's stats as JSON
 * Output (reply to S, E, A, P; built after XS has run every promise job
 * the command started, so async handlers have answered): records of
 *   u8 kind, u32 id, u32 length, bytes
 * with kind 'W' (bytes the server wrote to connection id), 'X' (the server
 * closed connection id) and 'L' (a log line, UTF-8).
 *
 * Never: use anything that is not in XS (no Node, no console, no
 * TextEncoder: this file is plain JS for the engine), or buffer output
 * across commands.
 */
import type { Server } from '../../src/server.ts';
import type { MemoryClient, MemoryPlatform } from '../memory-platform.ts';
import { encodeUtf8, utf8Length } from '../../src/http/text.ts';

/** What `start` returns: a started server and the memory platform it listens on. */
export interface DriverTarget {
  platform: MemoryPlatform;
  server: Server;
}

interface Connection {
  id: number;
  client: MemoryClient;
  closedReported: boolean;
}

declare const globalThis: { handleCommand?: (command: ArrayBuffer) => unknown };

const OP_RESTART = 82; // R
const OP_CONNECT = 67; // C
const OP_SEND = 83; // S
const OP_END = 69; // E
const OP_ADVANCE = 65; // A
const OP_POLL = 80; // P
const OP_STATS = 84; // T

/**
 * Installs `globalThis.handleCommand` for a server made by `start` (called
 * now and on every 'R'). Its promise settles in the job loop of the
 * evaluation that installs the driver.
 */
export function installDriver(start: () => Promise<DriverTarget>): void {
  let target: DriverTarget | null = null;
  let failure: unknown = null;
  let connections: Connection[] = [];
  let nextId = 1;
  const empty = new ArrayBuffer(0);

  const begin = () => {
    target = null;
    failure = null;
    connections = [];
    start().then(
      (t) => (target = t),
      (error: unknown) => (failure = error),
    );
  };

  const ready = (): DriverTarget => {
    if (target !== null) return target;
    throw new Error(
      failure !== null
        ? `xs driver: the server did not start: ${String(failure)}`
        : 'xs driver: the server has not started',
    );
  };

  /** Everything written, closed or logged since the last collection. */
  const collect = (): ArrayBuffer => {
    const t = ready();
    const parts: Uint8Array[] = [];
    let total = 0;
    const record = (kind: number, id: number, bytes: Uint8Array) => {
      const header = new Uint8Array(9);
      header[0] = kind;
      writeU32(header, 1, id);
      writeU32(header, 5, bytes.length);
      parts.push(header, bytes);
      total += 9 + bytes.length;
    };
    for (let i = 0; i < connections.length; i++) {
      const conn = connections[i];
      const bytes = conn.client.take();
      if (bytes.length > 0) record(87, conn.id, bytes);
      if (conn.client.closed && !conn.closedReported) {
        conn.closedReported = true;
        record(88, conn.id, new Uint8Array(0));
      }
    }
    connections = connections.filter((conn) => !conn.closedReported);
    const logs = t.platform.logs;
    for (let i = 0; i < logs.length; i++) {
      const line = new Uint8Array(utf8Length(logs[i], 0));
      encodeUtf8(logs[i], 0, line, 0, line.length, null);
      record(76, 0, line);
    }
    logs.length = 0;
    const out = new Uint8Array(total);
    let p = 0;
    for (let i = 0; i < parts.length; i++) {
      out.set(parts[i], p);
      p += parts[i].length;
    }
    return out.buffer;
  };

  /** The reply object: the worker reads `result` after the job loop has run. */
  const later = {
    get result(): ArrayBuffer {
      return collect();
    },
  };

  const find = (id: number): Connection | null => {
    for (let i = 0; i < connections.length; i++) if (connections[i].id === id) return connections[i];
    return null;
  };

  globalThis.handleCommand = (command: ArrayBuffer): unknown => {
    const bytes = new Uint8Array(command);
    const op = bytes[0];
    if (op === OP_RESTART) {
      begin();
      return empty;
    }
    const t = ready();
    if (op === OP_CONNECT) {
      let address = '';
      for (let i = 1; i < bytes.length; i++) address += String.fromCharCode(bytes[i]);
      const client = t.platform.connect(address || '127.0.0.1');
      const id = nextId++;
      connections.push({ id, client, closedReported: false });
      const reply = new Uint8Array(4);
      writeU32(reply, 0, id);
      return reply.buffer;
    }
    if (op === OP_SEND || op === OP_END) {
      const conn = find(readU32(bytes, 1));
      if (conn !== null && op === OP_SEND) conn.client.send(bytes.subarray(5));
      if (conn !== null && op === OP_END) {
        conn.client.end();
        conn.closedReported = true;
      }
      return later;
    }
    if (op === OP_ADVANCE) {
      t.platform.advance(new DataView(command).getFloat64(1, true));
      return later;
    }
    if (op === OP_POLL) return later;
    if (op === OP_STATS) {
      const json = JSON.stringify({ ...t.server.stats(), router: t.server.router });
      const out = new Uint8Array(utf8Length(json, 0));
      encodeUtf8(json, 0, out, 0, out.length, null);
      return out.buffer;
    }
    throw new Error(`xs driver: unknown command ${op}`);
  };

  begin();
}

function writeU32(bytes: Uint8Array, at: number, value: number): void {
  bytes[at] = value & 255;
  bytes[at + 1] = (value >>> 8) & 255;
  bytes[at + 2] = (value >>> 16) & 255;
  bytes[at + 3] = (value >>> 24) & 255;
}

function readU32(bytes: Uint8Array, at: number): number {
  return (bytes[at] | (bytes[at + 1] << 8) | (bytes[at + 2] << 16) | (bytes[at + 3] << 24)) >>> 0;
}
