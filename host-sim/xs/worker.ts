/**
 * A Node handle on one XS engine: the `xsnap-worker` binary that
 * `@agoric/xsnap` builds from Moddable's XS sources, driven directly over its
 * netstring pipes (fd 3 to the worker, fd 4 from it), without the package's
 * SES-based Node API.
 *
 * Protocol (xsnap-worker.c): the host sends `e<code>` (evaluate a script) or
 * `?<bytes>` (call `globalThis.handleCommand(ArrayBuffer)`, which must return
 * an ArrayBuffer synchronously); the worker answers `.<meter json>\x01<reply>`
 * or `!<error text>`. While it runs, the worker may send `?<bytes>` itself
 * (its global `issueCommand`) and waits for `/<reply>`. The meter JSON carries
 * `currentHeapCount`, the live heap slots after the evaluation (it only goes
 * down when XS collects garbage). `print()` in XS writes lines to stdout.
 *
 * Never: run anything but the worker binary, or let two operations share the
 * pipe at once (every operation is queued behind the previous one).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Readable, Writable } from 'node:stream';

/** What the engine answered to one evaluation or command. */
export interface XsResult {
  /** The reply bytes (an evaluation answers with its ArrayBuffer result, if any). */
  reply: Uint8Array;
  /** Live XS heap slots after the operation (before any collection the next one may trigger). */
  heapCount: number;
  /** Metering units the operation used (XS's own count of executed steps). */
  compute: number;
  /** Bytes XS has obtained from the system for its heaps (slot and chunk), after the operation. */
  allocated: number;
}

/** Options for {@link XsWorker.start}. */
export interface XsWorkerOptions {
  /** Use the debug build of the worker (slower, more checks). Default false. */
  debug?: boolean;
  /** Receives each line XS prints with `print()`. Default: written to stderr with an "[xs] " prefix. */
  onPrint?: (line: string) => void;
  /** Answers the worker's own `issueCommand(ArrayBuffer)` calls. Default: echo. */
  onCommand?: (bytes: Uint8Array) => Uint8Array | Promise<Uint8Array>;
  /** Parser buffer size in kB, for very large scripts (xsnap's default: 8192). */
  parserBufferKb?: number;
}

/** An error XS threw (the message is XS's own `String(exception)`). */
export class XsError extends Error {
  override name = 'XsError';
}

/** Path of the xsnap worker binary for this host, or throws saying how to get it. */
export function xsnapWorkerPath(debug = false): string {
  const require = createRequire(import.meta.url);
  let root: string;
  try {
    root = dirname(require.resolve('@agoric/xsnap/package.json'));
  } catch {
    throw new Error(
      '@agoric/xsnap is not installed: run `npm install --save-dev @agoric/xsnap` (it builds the XS engine in its postinstall; allow its install script)',
    );
  }
  const os = process.platform === 'linux' ? 'lin' : process.platform === 'darwin' ? 'mac' : undefined;
  if (!os) throw new Error(`@agoric/xsnap builds XS only for Linux and macOS, not ${process.platform}`);
  const bin = join(root, 'xsnap-native', 'xsnap', 'build', 'bin', os, debug ? 'debug' : 'release', 'xsnap-worker');
  if (!existsSync(bin)) {
    throw new Error(
      `the XS worker binary is missing (${bin}): its build runs in @agoric/xsnap's postinstall; ` +
        'make sure install scripts are allowed for it and run `npm rebuild @agoric/xsnap`',
    );
  }
  return bin;
}

const COLON = 0x3a;
const COMMA = 0x2c;
const OK = 0x2e; // '.'
const ERROR = 0x21; // '!'
const QUERY = 0x3f; // '?'
const METER_END = 0x01;

/** One XS engine in a child process. Operations run one at a time, in call order. */
export class XsWorker {
  private readonly child: ChildProcess;
  private readonly toWorker: Writable;
  private readonly options: XsWorkerOptions;
  private incoming: Buffer = Buffer.alloc(0);
  private readonly messages: Buffer[] = [];
  private waiting: ((message: Buffer | undefined) => void) | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private exited: string | undefined;
  private stderrText = '';

  private constructor(options: XsWorkerOptions) {
    this.options = options;
    const args = ['chipweb'];
    if (options.parserBufferKb) args.push('-s', String(options.parserBufferKb));
    this.child = spawn(xsnapWorkerPath(options.debug), args, {
      stdio: ['ignore', 'pipe', 'pipe', 'pipe', 'pipe'],
    });
    const stdio = this.child.stdio as unknown as [null, Readable, Readable, Writable, Readable];
    this.toWorker = stdio[3];
    this.toWorker.on('error', () => {}); // reported through 'exit'
    stdio[4].on('data', (chunk: Buffer) => this.receive(chunk));
    let printed = '';
    const onPrint = options.onPrint ?? ((line: string) => process.stderr.write(`[xs] ${line}\n`));
    stdio[1].setEncoding('utf8').on('data', (text: string) => {
      printed += text;
      for (let newline = printed.indexOf('\n'); newline >= 0; newline = printed.indexOf('\n')) {
        onPrint(printed.slice(0, newline));
        printed = printed.slice(newline + 1);
      }
    });
    stdio[2].setEncoding('utf8').on('data', (text: string) => {
      this.stderrText = (this.stderrText + text).slice(-4000);
    });
    this.child.on('exit', (code, signal) => {
      this.exited = `the XS worker exited (${signal ?? `code ${code}`})${this.stderrText ? `: ${this.stderrText.trim()}` : ''}`;
      this.deliver(undefined);
    });
    this.child.on('error', (error) => {
      this.exited = `the XS worker failed to start: ${error.message}`;
      this.deliver(undefined);
    });
  }

  /** Starts a fresh XS machine and waits until it answers. */
  static async start(options: XsWorkerOptions = {}): Promise<XsWorker> {
    const worker = new XsWorker(options);
    await worker.run(Buffer.from('R'));
    return worker;
  }

  /** Evaluates a script in the global scope (indirect eval); resolves when its promise jobs have run. */
  evaluate(code: string): Promise<XsResult> {
    return this.run(Buffer.concat([Buffer.from('e'), Buffer.from(code, 'utf8')]));
  }

  /** Calls `globalThis.handleCommand(bytes.buffer)` in XS and resolves with the ArrayBuffer it returned. */
  command(bytes: Uint8Array): Promise<XsResult> {
    const message = Buffer.allocUnsafe(bytes.length + 1);
    message[0] = QUERY;
    message.set(bytes, 1);
    return this.run(message);
  }

  /**
   * Evaluates `expression` and resolves with its value passed through JSON
   * (encoded in XS with the worker's TextEncoder; harness use only).
   */
  async evaluateJson<T = unknown>(expression: string): Promise<T> {
    const { reply } = await this.evaluate(`new TextEncoder().encode(JSON.stringify(${expression})).buffer`);
    return JSON.parse(Buffer.from(reply).toString('utf8')) as T;
  }

  /**
   * Runs a full garbage collection in XS and resolves with the live heap
   * slots after it. It evaluates a script, and every evaluated script leaves
   * one slot behind for good: to compare live heaps, call `gc()` from a
   * command instead.
   */
  async gc(): Promise<number> {
    return (await this.evaluate('gc()')).heapCount;
  }

  /**
   * Writes a snapshot of the whole XS machine to `path` (xsnap's `w`
   * command) and resolves with its size in bytes. Comparing two snapshots
   * tells how much a script's code and objects take in XS's own form.
   */
  async snapshot(path: string): Promise<number> {
    const { reply } = await this.run(Buffer.from(`w${path}`, 'utf8'));
    return Number(Buffer.from(reply).toString('latin1'));
  }

  /** Asks the worker to quit and waits for the process to end. */
  async close(): Promise<void> {
    if (this.exited) return;
    const ended = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    await this.queue.catch(() => {});
    if (!this.exited) {
      this.write(Buffer.from('q'));
      this.toWorker.end();
    }
    const timer = setTimeout(() => this.child.kill(), 2000);
    await ended;
    clearTimeout(timer);
  }

  /** Kills the worker at once. */
  terminate(): void {
    if (!this.exited) this.child.kill();
  }

  /** Queues one request message and reads until its final answer. */
  private run(message: Buffer): Promise<XsResult> {
    const result = this.queue.then(() => this.exchange(message));
    this.queue = result.catch(() => {});
    return result;
  }

  private async exchange(message: Buffer): Promise<XsResult> {
    if (this.exited) throw new Error(this.exited);
    this.write(message);
    for (;;) {
      const answer = await this.next();
      if (answer === undefined) throw new Error(this.exited ?? 'the XS worker closed its pipe');
      const kind = answer[0];
      if (kind === OK) {
        const end = answer.indexOf(METER_END, 1);
        let heapCount = -1;
        let compute = 0;
        let allocated = 0;
        if (end >= 0) {
          const meter = JSON.parse(answer.toString('latin1', 1, end)) as {
            currentHeapCount: number;
            compute: number;
            allocate: number;
          };
          heapCount = meter.currentHeapCount;
          compute = meter.compute;
          allocated = meter.allocate;
        }
        return { reply: new Uint8Array(answer.subarray(end >= 0 ? end + 1 : 1)), heapCount, compute, allocated };
      }
      if (kind === ERROR) throw new XsError(answer.toString('utf8', 1) || 'XS reported an error');
      if (kind === QUERY) {
        const onCommand = this.options.onCommand ?? ((bytes: Uint8Array) => bytes);
        let reply: Uint8Array;
        try {
          reply = await onCommand(new Uint8Array(answer.subarray(1)));
        } catch (error) {
          this.child.kill();
          throw error;
        }
        const out = Buffer.allocUnsafe(reply.length + 1);
        out[0] = 0x2f; // '/'
        out.set(reply, 1);
        this.write(out);
        continue;
      }
      this.child.kill();
      throw new Error(`xsnap protocol error: unexpected answer ${JSON.stringify(answer.toString('latin1', 0, 40))}`);
    }
  }

  private write(payload: Buffer): void {
    this.toWorker.write(Buffer.concat([Buffer.from(`${payload.length}:`), payload, Buffer.from(',')]));
  }

  private next(): Promise<Buffer | undefined> {
    const message = this.messages.shift();
    if (message || this.exited) return Promise.resolve(message);
    return new Promise((resolve) => (this.waiting = resolve));
  }

  private deliver(message: Buffer | undefined): void {
    const waiting = this.waiting;
    if (waiting) {
      this.waiting = undefined;
      waiting(message);
    } else if (message) {
      this.messages.push(message);
    }
  }

  /** Splits the byte stream from fd 4 into netstrings. */
  private receive(chunk: Buffer): void {
    this.incoming = this.incoming.length ? Buffer.concat([this.incoming, chunk]) : chunk;
    for (;;) {
      const colon = this.incoming.indexOf(COLON);
      if (colon < 0) return;
      const length = Number(this.incoming.toString('latin1', 0, colon));
      const end = colon + 1 + length;
      if (this.incoming.length <= end) return;
      if (!Number.isInteger(length) || this.incoming[end] !== COMMA) {
        this.child.kill();
        return;
      }
      const message = this.incoming.subarray(colon + 1, end);
      this.incoming = this.incoming.subarray(end + 1);
      this.deliver(message);
    }
  }
}
