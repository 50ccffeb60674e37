/**
 * Moddable's desktop simulator (mcsim) as the harness runs it: under
 * `xvfb-run -a` (mcsim is a GTK program), with its output line-buffered
 * (stdbuf), in a process group of its own that stop() ends by its id. The
 * log is kept; `instruments:` lines (an instrumented build prints one a
 * second) become samples: chunk and slot heap in use, sockets, timers.
 * The same class runs a 32-bit build under qemu-i386 with the headless
 * driver of bench/moddable/xs32-driver.c (start32).
 *
 * Never: run `mcconfig -d` or `pkill` (other simulators may be running);
 * leave the simulator or its X server behind.
 */
import { type ChildProcess, spawn } from 'node:child_process';

/** One `instruments:` line, by the names of the `instruments key:` line. */
export interface Sample {
  /** Milliseconds since the simulator started. */
  at: number;
  /** Chunk heap bytes in use ("Chunk used"). */
  chunk: number;
  /** Slot heap bytes in use ("Slot used"). */
  slotBytes: number;
  /** Native sockets open ("Network sockets"). */
  sockets: number;
  /** Timers ("Timers"). */
  timers: number;
  /** Garbage collections in this interval. */
  gcs: number;
  /** Every value by its name. */
  values: Record<string, number>;
}

/** One reading of the 'gc' test wrapper, right after a collection. */
export interface Live {
  /** Milliseconds since the simulator started. */
  at: number;
  chunk: number;
  slotBytes: number;
  sockets: number;
  timers: number;
}

/** A running mcsim. */
export class Mcsim {
  /** Everything it printed, line by line. */
  readonly lines: string[] = [];
  /** Every instruments sample so far. */
  readonly samples: Sample[] = [];
  /** What the 'gc' test wrapper prints after each collection (every 500 ms): live heaps, sockets, timers. */
  readonly live: Live[] = [];
  private keys: string[] = [];
  private readonly child: ChildProcess;
  private readonly started = Date.now();
  private exitCode: number | null = null;
  private exitWaiters: (() => void)[] = [];
  private partial = '';

  private constructor(command: string, args: string[], env: NodeJS.ProcessEnv) {
    this.child = spawn(command, args, {
      env,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const take = (chunk: Buffer) => this.take(chunk.toString());
    this.child.stdout?.on('data', take);
    this.child.stderr?.on('data', take);
    this.child.on('exit', (code, signal) => {
      this.exitCode = code ?? -1;
      if (signal) this.lines.push(`(exited on ${signal})`);
      for (const waiter of this.exitWaiters) waiter();
      this.exitWaiters = [];
    });
  }

  /** Starts mcsim on a built mc.so. */
  static start(so: string, env: NodeJS.ProcessEnv): Mcsim {
    return new Mcsim('xvfb-run', ['-a', 'stdbuf', '-oL', '-eL', 'mcsim', so], env);
  }

  /** Starts a 32-bit mc.so with the headless driver under qemu-i386. */
  static start32(driver: string, so: string, env: NodeJS.ProcessEnv): Mcsim {
    return new Mcsim('qemu-i386', [driver, so], env);
  }

  /** The process group id (the xvfb-run process). */
  get pid(): number {
    return this.child.pid ?? -1;
  }

  /** The exit code once it has exited (xvfb-run passes mcsim's on: 139 for a segmentation fault), else null. */
  get exitStatus(): number | null {
    return this.exitCode;
  }

  /** Whether the simulator has exited. */
  get exited(): boolean {
    return this.exitCode !== null;
  }

  /** The log so far, as one text. */
  get log(): string {
    return this.lines.join('\n');
  }

  private take(text: string): void {
    const parts = (this.partial + text).split('\n');
    this.partial = parts.pop() ?? '';
    for (let line of parts) {
      // The SDK's lin socket traces "write failed" with no newline: what follows it is a line of its own.
      line = line.replace(/^(write failed)+/, '');
      this.lines.push(line);
      if (line.startsWith('instruments key: ')) this.keys = line.slice(17).split(',');
      else if (line.startsWith('instruments: ')) this.samples.push(this.sample(line.slice(13).split(',').map(Number)));
      else if (line.startsWith('chipweb-gc: ')) {
        const m = /chunk (\d+) slots (\d+) sockets (\d+) timers (\d+)/.exec(line);
        if (m)
          this.live.push({
            at: Date.now() - this.started,
            chunk: Number(m[1]),
            slotBytes: Number(m[2]),
            sockets: Number(m[3]),
            timers: Number(m[4]),
          });
      }
    }
  }

  private sample(numbers: number[]): Sample {
    const values: Record<string, number> = {};
    this.keys.forEach((key, i) => (values[key] = numbers[i]));
    return {
      at: Date.now() - this.started,
      chunk: values['Chunk used'] ?? Number.NaN,
      slotBytes: values['Slot used'] ?? Number.NaN,
      sockets: values['Network sockets'] ?? Number.NaN,
      timers: values.Timers ?? Number.NaN,
      gcs: values['Garbage collections'] ?? Number.NaN,
      values,
    };
  }

  /** Waits for a log line matching `pattern` (from the first line on); rejects on timeout or exit. */
  async waitForLine(pattern: RegExp, timeoutMs = 15000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const line = this.lines.find((l) => pattern.test(l));
      if (line !== undefined) return line;
      if (this.exited) throw new Error(`mcsim exited (${this.exitCode}) before printing ${pattern}:\n${this.tail()}`);
      if (Date.now() > deadline) throw new Error(`mcsim did not print ${pattern} in ${timeoutMs} ms:\n${this.tail()}`);
      await sleepPoll();
    }
  }

  /** Waits for `count` samples after the ones seen so far and returns them. */
  async nextSamples(count: number, timeoutMs = 10000 + count * 1500): Promise<Sample[]> {
    const from = this.samples.length;
    const deadline = Date.now() + timeoutMs;
    while (this.samples.length < from + count) {
      if (this.exited) throw new Error(`mcsim exited (${this.exitCode}):\n${this.tail()}`);
      if (Date.now() > deadline) throw new Error(`mcsim printed no instruments line for ${timeoutMs} ms`);
      await sleepPoll();
    }
    return this.samples.slice(from, from + count);
  }

  /** Waits for `count` readings of the 'gc' wrapper after the ones seen so far and returns them. */
  async nextLive(count: number, timeoutMs = 5000 + count * 1000): Promise<Live[]> {
    const from = this.live.length;
    const deadline = Date.now() + timeoutMs;
    while (this.live.length < from + count) {
      if (this.exited) throw new Error(`mcsim exited (${this.exitCode}):\n${this.tail()}`);
      if (Date.now() > deadline) throw new Error(`the GC wrapper printed nothing for ${timeoutMs} ms:\n${this.tail()}`);
      await sleepPoll();
    }
    return this.live.slice(from, from + count);
  }

  /** The last lines of the log, for error messages. */
  tail(lines = 25): string {
    return this.lines.slice(-lines).join('\n');
  }

  /** Stops the simulator and its X server (SIGTERM to its process group, SIGKILL after 3 s). */
  async stop(): Promise<void> {
    if (this.exited || this.pid < 0) return;
    const gone = new Promise<void>((resolve) => this.exitWaiters.push(resolve));
    try {
      process.kill(-this.pid, 'SIGTERM');
    } catch {
      return;
    }
    const timer = setTimeout(() => {
      try {
        process.kill(-this.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }, 3000);
    await gone;
    clearTimeout(timer);
  }
}

/** One poll interval of the harness's waits. */
function sleepPoll(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 50));
}
