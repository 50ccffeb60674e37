/**
 * Node side of the firmware XS tests: bundles test/firmware/fixtures/xs-board.ts
 * for the XS engine with every Moddable module mapped to the ECMA-419 fake
 * (test/support/ecma419-fake.ts), starts an XS worker with it, and offers
 * the fixture's commands as methods.
 *
 * Never: reach into XS other than through the fixture's commands.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type * as esbuild from 'esbuild';
import { bundle, MODDABLE_MODULES } from '../../toolchain/bundle.ts';
import { XsWorker } from '../../host-sim/xs/worker.ts';

const HERE = fileURLToPath(new URL('.', import.meta.url));
const ROOT = resolve(HERE, '..', '..');
const FAKE = join(ROOT, 'test', 'support', 'ecma419-fake.ts');

/** What each Moddable module specifier is in the fake. */
const FAKE_EXPORTS: Record<string, string> = {
  'embedded:io/socket/listener': 'Listener',
  'embedded:io/socket/tcp': 'TCP',
  'embedded:io/digital': 'Digital',
  timer: 'Timer',
  time: 'Time',
  Resource: 'Resource',
  preference: 'Preference',
  instrumentation: 'Instrumentation',
  wifi: 'WiFi',
  net: 'Net',
  mdns: 'MDNS',
  ota: 'OTA',
  'embedded:io/socket/udp': 'UDP',
  system: 'System',
  'mc/config': 'config',
};

/** An esbuild plugin that resolves Moddable module names to the fake's exports. */
export const fakeModdable: esbuild.Plugin = {
  name: 'chipweb-ecma419-fake',
  setup(build) {
    build.onResolve({ filter: /.*/ }, (args) => {
      if (!(args.path in FAKE_EXPORTS)) {
        const moddable = MODDABLE_MODULES.some((p) =>
          p.endsWith('*') ? args.path.startsWith(p.slice(0, -1)) : args.path === p,
        );
        if (moddable)
          return {
            errors: [
              { text: `the ECMA-419 fake has no module "${args.path}": add it to test/support/ecma419-fake.ts` },
            ],
          };
        return undefined;
      }
      return { path: args.path, namespace: 'moddable-fake' };
    });
    build.onLoad({ filter: /.*/, namespace: 'moddable-fake' }, (args) => ({
      contents: `export { ${FAKE_EXPORTS[args.path]} as default } from ${JSON.stringify(FAKE)};`,
      resolveDir: ROOT,
      loader: 'ts',
    }));
  },
};

let cached: string | undefined;

/** The fixture bundled as one IIFE script for XS (built once per test run). */
export async function boardBundle(): Promise<string> {
  if (cached) return cached;
  const dir = join(ROOT, 'build', 'xs');
  mkdirSync(dir, { recursive: true });
  const outfile = join(dir, `firmware-board-${process.pid}.js`);
  try {
    await bundle({ entry: join(HERE, 'fixtures', 'xs-board.ts'), outfile, host: 'xs', plugins: [fakeModdable] });
    cached = readFileSync(outfile, 'utf8');
  } finally {
    rmSync(outfile, { force: true });
  }
  return cached;
}

/**
 * Bundles the main.js `chipweb build` wrote in `out` for XS, as the board
 * would run it: its Moddable imports resolved to the fake, the preload
 * recorder watching the preloaded core's module-level objects, and commands
 * 'main' (call its default export) and 'preload' (violations found).
 */
export async function artifactBundle(out: string): Promise<string> {
  const dir = join(ROOT, 'build', 'xs');
  mkdirSync(dir, { recursive: true });
  const entry = join(dir, `artifact-${process.pid}-${artifactCount}.ts`);
  const outfile = join(dir, `artifact-${process.pid}-${artifactCount++}.js`);
  const fixtures = join(HERE, 'fixtures');
  writeFileSync(
    entry,
    [
      `import ${JSON.stringify(FAKE)};`,
      `import { fakeStats, installDriver, UNKNOWN } from ${JSON.stringify(join(fixtures, 'xs-driver.ts'))};`,
      `import { preloadViolations, watched } from ${JSON.stringify(join(fixtures, 'preload-recorder.ts'))};`,
      `import ${JSON.stringify(join(out, 'chipweb.js'))};`,
      `import ${JSON.stringify(join(fixtures, 'end-preload.ts'))};`,
      `import main from ${JSON.stringify(join(out, 'main.js'))};`,
      'installDriver((command) => {',
      "  if (command.op === 'main') { main(); return watched(); }",
      "  if (command.op === 'preload') return preloadViolations();",
      "  if (command.op === 'stats') return fakeStats();",
      '  return UNKNOWN;',
      '});',
      '',
    ].join('\n'),
  );
  try {
    await bundle({ entry, outfile, host: 'xs', plugins: [fakeModdable, chunksIn(out)] });
    return readFileSync(outfile, 'utf8');
  } finally {
    rmSync(entry, { force: true });
    rmSync(outfile, { force: true });
  }
}

let artifactCount = 0;

/** Resolves the bare chunk names of a build ("chipweb-AB12") to its files. */
function chunksIn(out: string): esbuild.Plugin {
  return {
    name: 'chipweb-build-chunks',
    setup(build) {
      build.onResolve({ filter: /^chipweb(-[\w]+)?$/ }, (args) => ({ path: join(out, `${args.path}.js`) }));
    },
  };
}

/** A reply from the fixture. */
interface Reply {
  ok: boolean;
  value?: unknown;
  error?: string;
}

/** The board code on XS with the fake modules. */
export class XsBoard {
  private constructor(readonly worker: XsWorker) {}

  /** Starts an XS worker and loads the fixture. */
  static async start(): Promise<XsBoard> {
    return XsBoard.startScript(await boardBundle());
  }

  /** Starts an XS worker and loads a bundled script that installs the driver. */
  static async startScript(code: string): Promise<XsBoard> {
    const worker = await XsWorker.start({ onPrint: () => {} });
    await worker.evaluate(code);
    return new XsBoard(worker);
  }

  /** Sends one command; resolves with its value and the live heap slots after it. */
  async raw(command: Record<string, unknown>): Promise<{ value: unknown; heapCount: number }> {
    const result = await this.worker.command(Buffer.from(JSON.stringify(command), 'latin1'));
    const reply = JSON.parse(Buffer.from(result.reply).toString('latin1')) as Reply;
    if (!reply.ok) throw new Error(`XS: ${command.op}: ${reply.error}`);
    return { value: reply.value, heapCount: result.heapCount };
  }

  /** The client sends raw bytes on connection `id` (a binary command: no JSON string to walk on XS). */
  async sendBytes(id: number, bytes: Uint8Array): Promise<boolean> {
    const message = Buffer.alloc(5 + bytes.length);
    message[0] = 1;
    message.writeUInt32LE(id, 1);
    message.set(bytes, 5);
    const result = await this.worker.command(message);
    const reply = JSON.parse(Buffer.from(result.reply).toString('latin1')) as Reply;
    if (!reply.ok) throw new Error(`XS: sendBytes: ${reply.error}`);
    return reply.value as boolean;
  }

  /** Sends one command and resolves with its value. */
  async cmd<T = unknown>(op: string, args: Record<string, unknown> = {}): Promise<T> {
    return (await this.raw({ op, ...args })).value as T;
  }

  /**
   * Lets the runtime run until it is quiet: delivers posted messages one
   * turn at a time (promise jobs run between turns, as on the board).
   */
  async settle(maxTurns = 200): Promise<void> {
    let quiet = 0;
    for (let i = 0; i < maxTurns && quiet < 3; i++) {
      const { delivered, pending } = await this.cmd<{ delivered: number; pending: number }>('pump');
      quiet = delivered === 0 && pending === 0 ? quiet + 1 : 0;
    }
  }

  /**
   * Sends `request` on a new connection and reads the whole answer, taking
   * at most `chunk` bytes per turn (a slow client: backpressure); closes its
   * end, as HTTP clients do, when the answer says "Connection: close".
   */
  async exchange(
    port: number,
    request: string,
    options: { chunk?: number; fin?: boolean } = {},
  ): Promise<{ response: string; closed: boolean; reset: boolean; id: number }> {
    const id = await this.cmd<number>('connect', { port });
    if (id < 0) throw new Error(`nothing listens on port ${port}`);
    await this.settle();
    await this.cmd('send', { id, data: request });
    if (options.fin) await this.cmd('fin', { id });
    let response = '';
    let idle = 0;
    for (let turn = 0; turn < 5000 && idle < 3; turn++) {
      await this.settle(5);
      const taken = await this.cmd<{ data: string; closed: boolean; pending: number }>('take', {
        id,
        max: options.chunk,
      });
      response += taken.data;
      idle = taken.data.length === 0 ? idle + 1 : 0;
    }
    if (!options.fin && /\r\nConnection: close\r\n/i.test(response)) {
      // As an HTTP client does after an answer that says "Connection: close": the server lingers until then.
      await this.cmd('fin', { id });
      await this.settle();
    }
    const state = await this.cmd<{ closed: boolean; reset: boolean }>('state', { id });
    return { response, closed: state.closed, reset: state.reset, id };
  }

  /**
   * Sends `head` then `body` on a new connection in pieces the fake's
   * receive window takes (as a TCP client would, waiting when it is full),
   * letting the board run between pieces, and reads the whole answer.
   */
  async upload(port: number, head: string, body: Buffer, piece = 49152): Promise<string> {
    const id = await this.cmd<number>('connect', { port });
    if (id < 0) throw new Error(`nothing listens on port ${port}`);
    await this.settle();
    await this.cmd('send', { id, data: head });
    let response = '';
    for (let sent = 0; sent < body.length; ) {
      const data = body.subarray(sent, sent + piece);
      try {
        await this.sendBytes(id, data);
        sent += piece;
      } catch (error) {
        if (!String(error).includes('receive window full')) throw error;
      }
      await this.settle(50);
      const taken = await this.cmd<{ data: string; closed: boolean }>('take', { id });
      response += taken.data;
      if (taken.closed) break; // answered early (an error): the rest is never read
    }
    for (let idle = 0, turn = 0; turn < 1000 && idle < 3; turn++) {
      await this.settle(5);
      const taken = await this.cmd<{ data: string }>('take', { id });
      response += taken.data;
      idle = taken.data.length === 0 ? idle + 1 : 0;
    }
    return response;
  }

  /** Ends the worker. */
  async close(): Promise<void> {
    await this.worker.close();
  }
}
