/**
 * The Espruino engine driven from Node: an Espruino binary built for Linux
 * (`BOARD=LINUX make` from Espruino's sources, given by $ESPRUINO) runs a
 * `chipweb build --target espruino` output as a board would: the Storage
 * files are written into the binary's flash file (espruino.flash in its
 * working folder), then the binary boots and runs .bootcde from flash.
 * Node talks to it over real sockets (HTTP) and reads its console output.
 * Nothing is typed into its console: the Linux build reads its console on a
 * thread that can corrupt its input queue (an ASSERT stops it).
 *
 * Never: build or fetch Espruino (the binary is the user's, named by
 * $ESPRUINO); leave a process running after close(); parse HTTP here.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { accessSync, constants, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** What an Espruino build folder lists in storage.json. */
interface StorageEntry {
  name: string;
  path: string;
  bytes: number;
}

/** $ESPRUINO is not set or not a runnable binary; the message says what to do. */
export class EspruinoMissing extends Error {
  override name = 'EspruinoMissing';
}

/**
 * The Espruino binary named by $ESPRUINO, checked; throws EspruinoMissing
 * saying exactly what is missing.
 */
export function espruinoBinary(env: NodeJS.ProcessEnv = process.env, variable = 'ESPRUINO'): string {
  const how =
    'Build Espruino 2v29 for Linux from its sources with toolchain/espruino/build-engine.sh ESPRUINO_SOURCE_DIR ' +
    '(it prints the two exports; see docs/espruino.md, "Testing against Espruino") ' +
    `and set ${variable} to the binary, e.g. ${variable}=/path/to/espruino/bin_esp32sim/espruino_esp32sim`;
  const binary = env[variable];
  if (!binary) throw new EspruinoMissing(`${variable} is not set. ${how}`);
  const path = resolve(binary);
  if (!existsSync(path)) throw new EspruinoMissing(`${variable}=${binary}: no such file. ${how}`);
  if (!statSync(path).isFile()) throw new EspruinoMissing(`${variable}=${binary} is not a file. ${how}`);
  try {
    accessSync(path, constants.X_OK);
  } catch {
    throw new EspruinoMissing(`${variable}=${binary} is not executable (chmod +x it). ${how}`);
  }
  return path;
}

/** Espruino's console output without its escape sequences and prompt noise, as lines. */
export function consoleLines(text: string): string[] {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: Espruino's console writes ANSI escapes.
  const clean = text.replace(/\x1b\[[0-9;]*[A-Za-z]/g, '').replace(/\r/g, '');
  return clean
    .split('\n')
    .map((line) => line.replace(/^>+/, '').trimEnd())
    .filter((line) => line.trim() !== '');
}

/** Runs the binary on a script (in `dir`) until it exits; resolves to its console lines. */
export function runScript(binary: string, dir: string, script: string, timeoutMs: number): Promise<string[]> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(binary, [script], { cwd: dir, stdio: ['pipe', 'pipe', 'pipe'] });
    // Kept apart until the end: a line on stderr (such as `@@stack peak N`) could land inside a console line.
    let stdout = '';
    let stderr = '';
    const output = () => `${stdout}\n${stderr}`;
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('latin1');
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('latin1');
    });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`espruino ${script} did not finish in ${timeoutMs} ms:\n${consoleLines(output()).join('\n')}`));
    }, timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('exit', () => {
      clearTimeout(timer);
      resolvePromise(consoleLines(output()));
    });
    // The script ends with quit(); stdin closed keeps the console from waiting.
    child.stdin.end();
  });
}

/**
 * Writes the Storage files of a build folder into the flash file in `dir`
 * (the binary's working folder; made when missing), as `chipweb flash`
 * puts them on a board: other files (the key-value store) stay. Rejects
 * with the console output when a file did not arrive whole.
 */
export async function installStorage(binary: string, dir: string, buildDir: string): Promise<void> {
  mkdirSync(dir, { recursive: true });
  const files = JSON.parse(readFileSync(join(buildDir, 'storage.json'), 'utf8')) as StorageEntry[];
  const script = join(dir, 'install.js');
  const lines = [
    "var S = require('Storage');",
    'function put(name, path, size) {',
    "  var f = E.openFile(path, 'r'); var at = 0;",
    '  while (at < size) { var chunk = f.read(Math.min(2048, size - at)); S.write(name, chunk, at, size); at += chunk.length; }',
    "  f.close(); var back = S.read(name); print('@@put ' + name + ' ' + (back ? back.length : -1));",
    '}',
    ...files.map(
      (f) => `put(${JSON.stringify(f.name)}, ${JSON.stringify(resolve(buildDir, f.path))}, ${Number(f.bytes)});`,
    ),
    'quit();',
    '',
  ];
  writeFileSync(script, lines.join('\n'));
  const output = await runScript(binary, dir, script, 60000);
  for (const f of files) {
    if (!output.includes(`@@put ${f.name} ${f.bytes}`))
      throw new Error(`Storage file ${f.name} (${f.bytes} B) did not arrive whole:\n${output.join('\n')}`);
  }
}

/** A running Espruino process that booted from its flash. */
export class EspruinoProcess {
  /** Console lines so far. */
  readonly lines: string[] = [];
  private readonly child: ChildProcess;
  private exited = false;
  private waiters: (() => void)[] = [];
  private evaluations = 0;

  private constructor(child: ChildProcess, onLine?: (line: string) => void) {
    this.child = child;
    // One partial line per stream: stdout and stderr chunks must not run into each other.
    const reader = () => {
      let partial = '';
      return (chunk: Buffer) => {
        const text = partial + chunk.toString('latin1');
        const cut = text.lastIndexOf('\n');
        if (cut < 0) {
          partial = text;
          return;
        }
        partial = text.slice(cut + 1);
        for (const line of consoleLines(text.slice(0, cut))) {
          this.lines.push(line);
          if (onLine) onLine(line);
        }
        this.wake();
      };
    };
    child.stdout?.on('data', reader());
    child.stderr?.on('data', reader());
    // Never outlive Node: an orphaned board would keep its port.
    const kill = () => child.kill('SIGKILL');
    process.once('exit', kill);
    child.on('exit', () => {
      process.off('exit', kill);
      this.exited = true;
      this.wake();
    });
  }

  /**
   * Boots the binary in `dir` (its flash holds the build's Storage files);
   * `onLine` sees each console line; `args` go to the binary (e.g.
   * `--telnet`: its console on TCP port 2323, as the espruino CLI reaches a
   * board on the network).
   */
  static boot(binary: string, dir: string, onLine?: (line: string) => void, args: string[] = []): EspruinoProcess {
    const child = spawn(binary, args, { cwd: dir, stdio: ['pipe', 'pipe', 'pipe'] });
    return new EspruinoProcess(child, onLine);
  }

  /**
   * Boots the binary in `dir` with the build's boot code evaluated from RAM
   * (read from `bootFile` on disk) instead of from its flash: routes and
   * assets still come from Storage. For speed figures on BOARD=LINUX as it
   * is, whose flash is a file it opens for every 16 bytes it reads from
   * Storage (build-engine.sh's ESPRUINO binary maps it into memory, as an
   * ESP32 does); the code's function bodies then take variables, so this
   * needs the build with resizable variables.
   */
  static bootFromRam(binary: string, dir: string, bootFile: string, onLine?: (line: string) => void): EspruinoProcess {
    const script = join(dir, 'boot-ram.js');
    writeFileSync(
      script,
      `E.setFlags({pretokenise: 1});\neval(require('fs').readFileSync(${JSON.stringify(bootFile)}));\n`,
    );
    return EspruinoProcess.bootScript(binary, dir, script, onLine);
  }

  /** Runs the binary on `script` (in `dir`), e.g. a benchmark peer. */
  static bootScript(binary: string, dir: string, script: string, onLine?: (line: string) => void): EspruinoProcess {
    const child = spawn(binary, [script], { cwd: dir, stdio: ['pipe', 'pipe', 'pipe'] });
    return new EspruinoProcess(child, onLine);
  }

  /** The process id. */
  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Whether the process has exited. */
  get hasExited(): boolean {
    return this.exited;
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }

  /** Resolves with the first console line matching `pattern`; rejects after `timeoutMs` or on exit. */
  waitFor(pattern: RegExp, timeoutMs = 15000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    return new Promise((resolvePromise, reject) => {
      const check = () => {
        const found = this.lines.find((line) => pattern.test(line));
        if (found !== undefined) return resolvePromise(found);
        if (this.exited) return reject(new Error(`espruino exited before printing ${pattern}:\n${this.tail()}`));
        if (Date.now() >= deadline)
          return reject(new Error(`espruino did not print ${pattern} in ${timeoutMs} ms:\n${this.tail()}`));
        this.waiters.push(check);
        setTimeout(() => this.wake(), Math.min(200, Math.max(1, deadline - Date.now())));
      };
      check();
    });
  }

  /**
   * Types `expression` at the board's console, as a person at its prompt
   * would, and resolves with its value (through JSON). The typed line
   * costs the board a few variables while it runs: keep the expression
   * short where its memory is the point.
   */
  async evaluate<T>(expression: string, timeoutMs = 15000): Promise<T> {
    const tag = `@@value${++this.evaluations}`;
    this.child.stdin?.write(`print("${tag} "+JSON.stringify(${expression}))\n`);
    const line = await this.waitFor(new RegExp(`^${tag} `), timeoutMs);
    return JSON.parse(line.slice(tag.length + 1)) as T;
  }

  /** The last console lines, for error messages. */
  tail(count = 30): string {
    return this.lines.slice(-count).join('\n');
  }

  /**
   * Stops the process at once, as a board's power is cut, and waits for it
   * to exit. Espruino's Linux build catches SIGTERM and ignores it
   * (targets/linux/main.c), so SIGKILL; its flash file is written through
   * at every Storage write, so nothing is lost. (It waited a second for the
   * SIGTERM before: each stop took that long, and a stop cut short left the
   * board running.)
   */
  async close(): Promise<void> {
    if (this.exited) return;
    const gone = new Promise<void>((r) => this.child.once('exit', () => r()));
    this.child.kill('SIGKILL');
    await gone;
  }
}
