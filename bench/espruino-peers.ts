/**
 * What the Espruino benchmarks share (bench/espruino.ts, bench/espruino-ab.ts):
 * the small JSON route's body, keep-alive and closing request rates, a
 * peer script (bench/espruino-*.js) run on a binary with its port filled
 * in, and instruction counts under callgrind.
 *
 * Never: assert (tests do that); report a rate whose bodies were not checked.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { EspruinoProcess } from '../host-sim/espruino/engine.ts';
import { freePort } from '../host-sim/espruino/sim.ts';
import { keepAliveGet } from '../test/espruino/engine/keep-alive.ts';

/** The body of the small JSON route (bench/espruino-json-app.ts) and of the http module's peer. */
export const JSON_BODY = '{"ok":true,"n":1}';

/** Requests per second of `count` keep-alive GETs (after `warm` unmeasured ones); checks each body with `check`. */
export async function keepAliveRate(
  port: number,
  path: string,
  count: number,
  warm: number,
  check: (body: string) => boolean,
  headers = '',
) {
  if (warm > 0) await keepAliveGet(port, path, warm, headers);
  const start = performance.now();
  const bodies = await keepAliveGet(port, path, count, headers);
  const seconds = (performance.now() - start) / 1000;
  if (!bodies.every(check)) throw new Error(`unexpected body from ${path}: ${bodies.find((b) => !check(b))}`);
  return count / seconds;
}

/** One GET on a new connection, read until the server closes; resolves to the response. */
export function getClosing(port: number, path: string, headers = ''): Promise<string> {
  return new Promise((done, fail) => {
    const socket = net.connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.on('connect', () => socket.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n${headers}\r\n`));
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('end', () => {
      socket.destroy();
      done(Buffer.concat(chunks).toString('latin1'));
    });
    socket.on('error', fail);
  });
}

/**
 * Runs a peer script (bench/espruino-*.js) on `binary` with its `var NAME = 0;`
 * lines set from `values` (PORT always, a free port), waits for its line
 * `@@<ready> …`, and gives `measure` the port and that line.
 */
export async function withPeer<T>(
  binary: string,
  file: string,
  ready: string,
  values: Record<string, number>,
  measure: (port: number, line: string) => Promise<T>,
): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), `chipweb-bench-${ready}-`));
  const port = await freePort();
  let source = readFileSync(file, 'utf8');
  for (const [name, value] of Object.entries({ PORT: port, ...values }))
    source = source.replace(`var ${name} = 0;`, `var ${name} = ${value};`);
  const script = join(dir, 'peer.js');
  writeFileSync(script, source);
  const board = EspruinoProcess.bootScript(binary, dir, script);
  try {
    const line = await board.waitFor(new RegExp(`^@@${ready} listening`), 20000);
    return await measure(port, line);
  } finally {
    await board.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Requests per second of `count` GETs to Espruino's http module at `port`, each on a new connection (`headers` after Host). */
export async function closingRate(port: number, count: number, headers = ''): Promise<number> {
  const start = performance.now();
  for (let i = 0; i < count; i++) {
    const response = await getClosing(port, '/', headers);
    if (!response.endsWith(JSON_BODY)) throw new Error(`unexpected http module response: ${response}`);
  }
  return count / ((performance.now() - start) / 1000);
}

/** The middle value of `values`. */
export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[sorted.length >> 1];
}

/**
 * Counts the instructions a binary runs under valgrind's callgrind: its
 * user-space work, repeatable to the instruction on the same build and
 * input whatever else the machine does (the kernel's TCP work is not
 * counted). Boot the binary through `wrapper` (a script that runs it
 * under callgrind), then call count() around the requests to measure.
 * One counted process at a time: callgrind_control zeroes and dumps every
 * callgrind process of the machine.
 */
export class InstructionCounter {
  /** The script to boot in place of the binary. */
  readonly wrapper: string;
  private readonly outFile: string;

  /** Writes the wrapper for `binary` into `dir`. Throws with what to install when valgrind is missing. */
  constructor(binary: string, dir: string) {
    try {
      execFileSync('callgrind_control', ['--version'], { stdio: 'ignore' });
    } catch {
      throw new Error('valgrind is not installed: apt-get install -y valgrind');
    }
    this.outFile = join(dir, 'callgrind.out'); // .PID for each process (valgrind's %p), then .N for each dump
    this.wrapper = join(dir, 'callgrind.sh');
    writeFileSync(
      this.wrapper,
      `#!/bin/sh\nexec valgrind --tool=callgrind --callgrind-out-file=${this.outFile}.%p ${binary} "$@"\n`,
    );
    chmodSync(this.wrapper, 0o755);
  }

  /** Instructions the binary ran during `requests()`, divided by the count it resolves to. */
  async count(requests: () => Promise<number>): Promise<number> {
    execFileSync('callgrind_control', ['--zero'], { stdio: 'ignore' });
    const made = await requests();
    const before = this.dumps();
    execFileSync('callgrind_control', ['--dump'], { stdio: 'ignore' });
    // The dump is written by the running process, which may finish it after callgrind_control returns.
    for (let waited = 0; waited < 30000; waited += 100) {
      const dump = this.dumps().find((file) => !before.includes(file));
      const totals = dump === undefined ? null : /^totals: (\d+)$/m.exec(readFileSync(dump, 'latin1'));
      if (totals !== null) return Number(totals[1]) / made;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`callgrind wrote no dump into ${dirname(this.outFile)} in 30 s`);
  }

  private dumps(): string[] {
    const dir = dirname(this.outFile);
    const prefix = `${basename(this.outFile)}.`;
    return readdirSync(dir)
      .filter((name) => name.startsWith(prefix))
      .map((name) => join(dir, name));
  }
}
