/**
 * The Moddable SDK's tools as chipweb uses them: where mcconfig is, what a
 * target needs installed (MODDABLE and mcconfig; IDF_PATH and idf.py for the
 * ESP32; PICO_SDK_DIR, cmake and the ARM compiler for the Pico W), and the
 * mcconfig (or xs-dev) command that builds and flashes a manifest.
 *
 * Never: install anything, change the user's environment, or run a tool
 * itself (the CLI runs the command this returns).
 */
import { accessSync, constants, existsSync, statSync } from 'node:fs';
import { delimiter, join, resolve } from 'node:path';
import type { Target } from './templates.ts';

const GETTING_STARTED =
  'https://github.com/Moddable-OpenSource/moddable/blob/public/documentation/Moddable%20SDK%20-%20Getting%20Started.md';
const XS_DEV_EXPORT = '~/.local/share/xs-dev-export.sh';

/** One thing the tools need that is missing, and how to get it. */
export interface Missing {
  what: string;
  fix: string;
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
