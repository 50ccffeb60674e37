/**
 * Runs the `chipweb` command as a user does (node cli/chipweb.js …) and
 * waits for the line saying where it serves.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The chipweb bin of this checkout. */
export const CHIPWEB_BIN = fileURLToPath(new URL('../../cli/chipweb.js', import.meta.url));

/** A running `chipweb sim`. */
export interface RunningCli {
  /** The URL it printed. */
  url: string;
  /** Everything it printed so far. */
  output(): string;
  /** Stops it (SIGINT, as Ctrl-C) and resolves with its exit code. */
  stop(): Promise<number | null>;
}

/**
 * Starts `chipweb ARGS` in `cwd` (this checkout's, or the `bin` given) and
 * resolves once it prints "… at http://HOST:PORT".
 */
export function startCli(args: string[], cwd?: string, timeoutMs = 15000, bin = CHIPWEB_BIN): Promise<RunningCli> {
  const child: ChildProcess = spawn(process.execPath, [bin, ...args], { cwd, stdio: 'pipe' });
  let text = '';
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const guard = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`chipweb ${args.join(' ')} printed no URL within ${timeoutMs} ms:\n${text}`));
    }, timeoutMs);
    const onText = (chunk: Buffer) => {
      text += chunk.toString();
      const found = / at (http:\/\/[\d.]+:\d+)/.exec(text);
      if (found) {
        clearTimeout(guard);
        resolve({
          url: found[1],
          output: () => text,
          stop: () => {
            child.kill('SIGINT');
            return exited;
          },
        });
      }
    };
    child.stdout?.on('data', onText);
    child.stderr?.on('data', onText);
    exited.then((code) => {
      clearTimeout(guard);
      reject(new Error(`chipweb ${args.join(' ')} exited with ${code} before serving:\n${text}`));
    });
  });
}
