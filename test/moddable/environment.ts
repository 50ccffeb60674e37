/**
 * What `npm run test:moddable` and `npm run bench:moddable` need on this
 * machine, and one line for each thing that is missing, saying what to
 * install or build: the Moddable SDK ($MODDABLE), its lin tools built
 * (mcconfig, mcsim, xsc, xsl, mcrez), Xvfb (mcsim is a GTK program), wrk.
 *
 * Never: install or build anything; look anywhere but $MODDABLE and PATH.
 */
import { accessSync, constants, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { which } from '../../toolchain/moddable-tools.ts';

/** The SDK tools the harness runs, built by `make` in $MODDABLE/build/makefiles/lin. */
export const LIN_TOOLS = ['mcconfig', 'mcsim', 'xsc', 'xsl', 'mcrez'] as const;

/** Where everything is, once checked. */
export interface ModdableEnvironment {
  /** The SDK root ($MODDABLE). */
  moddable: string;
  /** $MODDABLE/build/bin/lin/release: the built tools. */
  bin: string;
  /** The environment to run the tools with (MODDABLE set, the tools first on PATH). */
  env: NodeJS.ProcessEnv;
  /** The SDK version ($MODDABLE/tools/VERSION), '' when unknown. */
  version: string;
}

function isDir(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/**
 * Checks the machine. Returns the environment, or the problems, one line
 * each (`needWrk`: the load steps run wrk).
 */
export function checkModdable(
  env: NodeJS.ProcessEnv = process.env,
  needWrk = true,
): { ok: ModdableEnvironment } | { problems: string[] } {
  const problems: string[] = [];
  if (process.platform !== 'linux') {
    return {
      problems: [
        `the Moddable harness runs mcsim under Xvfb on Linux; this is ${process.platform}: run it on a Linux machine`,
      ],
    };
  }
  const moddable = env.MODDABLE ?? '';
  const bin = join(moddable, 'build', 'bin', 'lin', 'release');
  if (!moddable) {
    problems.push(
      'MODDABLE is not set: build the Moddable SDK (8.2.3) with toolchain/moddable/build-sdk.sh <its folder> and export the two lines it prints (see docs/moddable.md)',
    );
  } else if (!isDir(moddable) || !isDir(join(moddable, 'xs')) || !isDir(join(moddable, 'build', 'makefiles', 'lin'))) {
    problems.push(
      `MODDABLE is ${moddable}, which is not a Moddable SDK folder (no xs/ and build/makefiles/lin/): point it at the SDK`,
    );
  } else {
    const missing = LIN_TOOLS.filter((tool) => !isExecutable(join(bin, tool)));
    if (missing.length > 0) {
      problems.push(
        `the Moddable lin tools are not built (${missing.join(', ')} missing in ${bin}): run toolchain/moddable/build-sdk.sh $MODDABLE (apt: libgtk-3-dev libncurses-dev flex bison gperf)`,
      );
    }
  }
  if (!which('xvfb-run', env) || !which('Xvfb', env)) {
    problems.push('Xvfb is not installed (mcsim needs a display): apt install xvfb xauth');
  }
  if (!which('stdbuf', env))
    problems.push('stdbuf is missing (it keeps the log of mcsim line-buffered): apt install coreutils');
  if (needWrk && !which('wrk', env)) problems.push('wrk is not installed (the load steps use it): apt install wrk');
  if (problems.length > 0) return { problems };
  const runEnv: NodeJS.ProcessEnv = { ...env, MODDABLE: moddable, PATH: `${bin}:${env.PATH ?? ''}` };
  return { ok: { moddable, bin, env: runEnv, version: sdkVersion(moddable) } };
}

/** The SDK's version, from $MODDABLE/tools/VERSION ('' when it is not there). */
function sdkVersion(moddable: string): string {
  try {
    return readFileSync(join(moddable, 'tools', 'VERSION'), 'utf8').trim();
  } catch {
    return '';
  }
}
