/**
 * `chipweb flash --target esp32|pico_w|moddable-sim [--port PORT]`: builds
 * the manifest `chipweb build` wrote with the Moddable tools and puts it on
 * the board (mcconfig -d -m -p esp32 / pico/pico_w), or runs it in Moddable's
 * desktop simulator (mcconfig -p lin|mac|win). With --xs-dev it goes through
 * xs-dev instead of calling mcconfig itself.
 *
 * Before running anything it checks what the tools need (MODDABLE and
 * mcconfig; IDF_PATH and idf.py for the ESP32; PICO_SDK_DIR, cmake and the
 * ARM compiler for the Pico W) and, when something is missing, prints every
 * missing piece with how to install it, and exits 1.
 *
 * Never: install anything, or change the user's environment; run a tool
 * other than mcconfig or xs-dev.
 */
import { spawn } from 'node:child_process';
import { accessSync, constants, existsSync, mkdirSync, statSync } from 'node:fs';
import { delimiter, join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { isTarget, loadTemplate, TARGETS, type Target } from './templates.ts';

const USAGE = `usage: chipweb flash --target esp32|pico_w|moddable-sim [options]

Builds build/<target>/manifest.json (written by 'chipweb build') with the
Moddable tools and flashes it to the board, or runs it in Moddable's desktop
simulator for --target moddable-sim.

options:
  --target T     esp32, pico_w or moddable-sim (required)
  --port PORT    serial port of the board (default: detected; sets UPLOAD_PORT)
  --out DIR      the folder 'chipweb build' wrote (default: build/<target>)
  --release      a release build (no debugger; default: debug build with xsbug)
  --xs-dev       run the build through xs-dev instead of mcconfig`;

const GETTING_STARTED =
  'https://github.com/Moddable-OpenSource/moddable/blob/public/documentation/Moddable%20SDK%20-%20Getting%20Started.md';
const XS_DEV_EXPORT = '~/.local/share/xs-dev-export.sh';

/** One thing the tools need that is missing, and how to get it. */
export interface Missing {
  what: string;
  fix: string;
}

/** Where console output goes (tests capture it). */
export interface FlashIO {
  log(line: string): void;
  error(line: string): void;
}

/** The Moddable desktop platform for this computer. */
export function hostPlatform(platform: NodeJS.Platform = process.platform): 'lin' | 'mac' | 'win' {
  return platform === 'darwin' ? 'mac' : platform === 'win32' ? 'win' : 'lin';
}

/** Finds an executable on PATH, or undefined. */
export function which(name: string, env: NodeJS.ProcessEnv): string | undefined {
  const exts = process.platform === 'win32' ? (env.PATHEXT ?? '.EXE;.CMD;.BAT').split(';') : [''];
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    for (const ext of exts) {
      const file = join(dir, name + ext);
      try {
        accessSync(file, constants.X_OK);
        if (statSync(file).isFile()) return file;
      } catch {
        // not here
      }
    }
  }
  return undefined;
}

function isDir(path: string | undefined): boolean {
  try {
    return !!path && statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** mcconfig's path: the SDK's own build of it, else PATH. */
export function findMcconfig(env: NodeJS.ProcessEnv): string | undefined {
  if (env.MODDABLE) {
    const own = join(
      env.MODDABLE,
      'build',
      'bin',
      hostPlatform(),
      'release',
      process.platform === 'win32' ? 'mcconfig.exe' : 'mcconfig',
    );
    if (existsSync(own)) return own;
  }
  return which('mcconfig', env);
}

/** Everything the Moddable tools need for `target` that `env` lacks. */
export function checkEnvironment(target: Target, env: NodeJS.ProcessEnv, useXsDev = false): Missing[] {
  const missing: Missing[] = [];
  if (useXsDev) {
    if (!which('xs-dev', env)) {
      missing.push({
        what: 'xs-dev is not installed',
        fix:
          'npm install -g xs-dev   (then: xs-dev setup' +
          (target === 'esp32' ? ' --device esp32' : target === 'pico_w' ? ' --device pico' : '') +
          ')',
      });
    }
    return missing;
  }
  const setup = `install it with xs-dev: npm install -g xs-dev && xs-dev setup, then run: source ${XS_DEV_EXPORT} (or follow ${GETTING_STARTED})`;
  if (!env.MODDABLE) {
    missing.push({ what: 'MODDABLE is not set: the Moddable SDK is not installed or not in this shell', fix: setup });
  } else if (!isDir(env.MODDABLE)) {
    missing.push({
      what: `MODDABLE is ${env.MODDABLE}, which is not a folder`,
      fix: `point MODDABLE at your Moddable SDK checkout, or ${setup}`,
    });
  } else if (!findMcconfig(env)) {
    missing.push({
      what: `mcconfig was not found (neither in $MODDABLE/build/bin/${hostPlatform()}/release nor on PATH)`,
      fix: `build the SDK tools (cd $MODDABLE/build/makefiles/${hostPlatform()} && make), or ${setup}`,
    });
  }
  if (target === 'esp32') {
    const esp = `xs-dev setup --device esp32, then: source ${XS_DEV_EXPORT} (or install ESP-IDF v6.0 as in $MODDABLE/documentation/devices/esp32.md and run: source $IDF_PATH/export.sh)`;
    if (!env.IDF_PATH)
      missing.push({
        what: 'IDF_PATH is not set: ESP-IDF (the ESP32 toolchain) is not installed or not in this shell',
        fix: esp,
      });
    else if (!isDir(env.IDF_PATH))
      missing.push({ what: `IDF_PATH is ${env.IDF_PATH}, which is not a folder`, fix: esp });
    else if (!which('idf.py', env))
      missing.push({
        what: 'idf.py is not on PATH: the ESP-IDF environment is not active in this shell',
        fix: 'source $IDF_PATH/export.sh',
      });
  } else if (target === 'pico_w') {
    const pico = `xs-dev setup --device pico, then: source ${XS_DEV_EXPORT} (or install the Pico SDK as in $MODDABLE/documentation/devices/pico.md)`;
    const fallback = env.HOME ? join(env.HOME, 'pico', 'pico-sdk') : undefined;
    const sdk = env.PICO_SDK_DIR ?? (isDir(fallback) ? fallback : undefined);
    if (!sdk)
      missing.push({
        what: 'PICO_SDK_DIR is not set (and ~/pico/pico-sdk does not exist): the Pico SDK is not installed',
        fix: pico,
      });
    else if (!isDir(sdk)) missing.push({ what: `PICO_SDK_DIR is ${sdk}, which is not a folder`, fix: pico });
    if (!which('arm-none-eabi-gcc', env)) {
      missing.push({
        what: 'arm-none-eabi-gcc is not on PATH: the ARM compiler for the Pico is missing',
        fix: `${pico}; on Debian/Ubuntu: sudo apt install gcc-arm-none-eabi`,
      });
    }
    if (!which('cmake', env))
      missing.push({
        what: 'cmake is not on PATH',
        fix: 'install CMake (macOS: brew install cmake; Debian/Ubuntu: sudo apt install cmake)',
      });
  }
  return missing;
}

/** The command that builds and flashes (or runs) the manifest. */
export function flashCommand(
  _target: Target,
  manifest: string,
  options: { port?: string; release?: boolean; xsDev?: boolean; mcPlatform: string; outDir: string },
  env: NodeJS.ProcessEnv,
): { command: string; args: string[]; env: NodeJS.ProcessEnv; cwd: string } {
  const platform = options.mcPlatform === 'host' ? hostPlatform() : options.mcPlatform;
  const childEnv: NodeJS.ProcessEnv = { ...env };
  if (options.port) childEnv.UPLOAD_PORT = options.port;
  const dir = resolve(manifest, '..');
  if (options.xsDev) {
    const args = options.release
      ? ['build', '--device', platform, '--mode', 'production', '--deploy', '--output', options.outDir]
      : ['run', '--device', platform];
    if (options.port) args.push('--port', options.port);
    return { command: 'xs-dev', args, env: childEnv, cwd: dir };
  }
  const args = [...(options.release ? [] : ['-d']), '-m', '-p', platform, '-o', options.outDir, manifest];
  return { command: findMcconfig(env) ?? 'mcconfig', args, env: childEnv, cwd: dir };
}

/** The command with its environment, ready to run; exit code like run(). */
export async function flash(args: string[], env: NodeJS.ProcessEnv, io: FlashIO): Promise<number> {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args,
      allowPositionals: false,
      options: {
        target: { type: 'string', short: 't' },
        port: { type: 'string', short: 'p' },
        out: { type: 'string', short: 'o' },
        release: { type: 'boolean' },
        'xs-dev': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    io.error(`chipweb flash: ${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    io.log(USAGE);
    return 0;
  }
  const target = values.target as string | undefined;
  if (!target || !isTarget(target)) {
    io.error(
      `chipweb flash: --target must be one of ${TARGETS.join(', ')}${target ? `, not '${target}'` : ''}.\n\n${USAGE}`,
    );
    return 2;
  }
  if (values.port !== undefined && target === 'moddable-sim') {
    io.error('chipweb flash: --port is for boards; the simulator runs on this computer');
    return 2;
  }
  const out = resolve((values.out as string | undefined) ?? join('build', target));
  const manifest = join(out, 'manifest.json');
  if (!existsSync(manifest)) {
    io.error(
      `chipweb flash: ${relative(process.cwd(), manifest) || manifest} does not exist: run 'chipweb build ENTRY --target ${target}' first`,
    );
    return 1;
  }
  const useXsDev = values['xs-dev'] === true;
  const missing = checkEnvironment(target, env, useXsDev);
  if (missing.length) {
    io.error(
      `chipweb flash: cannot ${target === 'moddable-sim' ? 'run the simulator' : `flash the ${target}`}; missing:`,
    );
    for (const m of missing) io.error(`  - ${m.what}\n    fix: ${m.fix}`);
    io.error('Then open a new shell (or source the export script) and run this command again.');
    return 1;
  }
  const { budget } = loadTemplate(target);
  const cmd = flashCommand(
    target,
    manifest,
    {
      port: values.port as string | undefined,
      release: values.release === true,
      xsDev: useXsDev,
      mcPlatform: budget.mcconfigPlatform,
      outDir: join(out, 'moddable'),
    },
    env,
  );
  // mcconfig refuses an -o folder that does not exist yet.
  mkdirSync(join(out, 'moddable'), { recursive: true });
  io.log(`${cmd.env.UPLOAD_PORT ? `UPLOAD_PORT=${cmd.env.UPLOAD_PORT} ` : ''}${cmd.command} ${cmd.args.join(' ')}`);
  if (target === 'pico_w') io.log('(hold BOOTSEL while plugging the Pico W in if it is not detected)');
  return new Promise<number>((resolvePromise) => {
    const child = spawn(cmd.command, cmd.args, { cwd: cmd.cwd, env: cmd.env, stdio: 'inherit' });
    child.on('error', (error) => {
      io.error(`chipweb flash: could not run ${cmd.command}: ${error.message}`);
      resolvePromise(1);
    });
    child.on('exit', (code, signal) => {
      if (code !== 0)
        io.error(
          `chipweb flash: ${cmd.command} ${signal ? `stopped by ${signal}` : `exited with ${code}`}: see its output above`,
        );
      resolvePromise(code ?? 1);
    });
  });
}

/** `chipweb flash`. */
export async function run(args: string[]): Promise<number> {
  return flash(args, process.env, { log: (line) => console.log(line), error: (line) => console.error(line) });
}
