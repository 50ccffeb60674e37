/**
 * Starting and stopping a benchmark's server in a child process of its
 * own (bench/http-server.ts, bench/ws-server.ts): `node --import tsx
 * <script> <kind> <port>`, ready once it prints "ready" on stdout; with an
 * IPC channel to ask it things (bench:ws asks for its CPU time).
 *
 * Never: leave a child running: stopServer() waits for its exit.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';

/** Starts `script` (a bench/ file name) for server `kind` on `port`; resolves once it is listening. */
export function startServer(script: string, kind: string, port: number): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', new URL(`./${script}`, import.meta.url).pathname, kind, String(port)],
      { stdio: ['ignore', 'pipe', 'inherit', 'ipc'] },
    );
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`${kind} exited with ${code}`)));
    child.stdout!.on('data', (d: Buffer) => {
      if (d.toString().includes('ready')) resolve(child);
    });
  });
}

/** Stops a server started by startServer(); resolves once it has exited. */
export function stopServer(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    child.removeAllListeners('exit');
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}
