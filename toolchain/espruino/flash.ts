/**
 * Putting an Espruino build on a board: the `espruino` command-line tool
 * (npm package `espruino`) writes each Storage file of build/espruino/
 * (storage.json, boot code last) over the board's serial port (or
 * tcp://host for a board on the network) and then runs load(), which
 * restarts the board into the new boot code. Espruino itself is flashed
 * once with esptool (docs/espruino.md).
 *
 * Never: install anything; run a tool other than `espruino`; upload a file
 * that storage.json does not list.
 */
import { accessSync, constants, existsSync, readFileSync } from 'node:fs';
import { delimiter, join, resolve } from 'node:path';
import { PACKAGE_ROOT } from '../templates.ts';
import type { StorageFile } from './budget.ts';

/** What is missing, and how to get it. */
export interface Missing {
  what: string;
  fix: string;
}

/** The `espruino` command: on PATH, else chipweb's own node_modules/.bin; undefined when neither has it. */
export function findEspruinoTool(env: NodeJS.ProcessEnv): string | undefined {
  const dirs = (env.PATH ?? '').split(delimiter).filter(Boolean);
  dirs.push(join(PACKAGE_ROOT, 'node_modules', '.bin'));
  for (const dir of dirs) {
    const path = join(dir, process.platform === 'win32' ? 'espruino.cmd' : 'espruino');
    try {
      accessSync(path, constants.X_OK);
      return path;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** Everything missing for an upload from `out` to `port`; empty when it can go ahead. */
export function checkUpload(out: string, port: string | undefined, env: NodeJS.ProcessEnv): Missing[] {
  const missing: Missing[] = [];
  if (!existsSync(join(out, 'storage.json')))
    missing.push({
      what: `${join(out, 'storage.json')} (no Espruino build)`,
      fix: "run 'chipweb build ENTRY --target espruino' first",
    });
  if (!port)
    missing.push({
      what: 'the board: no --port given',
      fix: "give its serial port, e.g. --port /dev/ttyUSB0 (list them with 'espruino --list'), or --port tcp://HOST for a board on the network",
    });
  else if (!port.startsWith('tcp://') && port.startsWith('/') && !existsSync(port))
    missing.push({
      what: `the serial port ${port} (no such device)`,
      fix: "plug the board in, or find its port with 'espruino --list'",
    });
  if (!findEspruinoTool(env))
    missing.push({
      what: "the 'espruino' command-line tool",
      fix: 'npm install -g espruino (or npm install --save-dev espruino in your project)',
    });
  return missing;
}

/** The Storage files of a build, in upload order (storage.json's order: the boot code last). */
export function storageFiles(out: string): StorageFile[] {
  return JSON.parse(readFileSync(join(out, 'storage.json'), 'utf8')) as StorageFile[];
}

/** The `espruino` invocation that uploads `files` from `out` to `port` and restarts into the new code. */
export function uploadArgs(out: string, port: string, files: StorageFile[]): string[] {
  // --no-ble: the port is serial or TCP; scanning for Bluetooth needs D-Bus and fails without it.
  const args = ['--no-ble', '--port', port];
  for (const f of files) {
    const path = resolve(out, f.path);
    if (f.name.includes(':') || path.includes(':'))
      throw new Error(`cannot pass ${f.name} (${path}) to 'espruino --storage NAME:FILE': it contains ':'`);
    args.push('--storage', `${f.name}:${path}`);
  }
  // load() restarts the interpreter and runs .bootcde, the code just written.
  args.push('-e', 'load()');
  return args;
}
