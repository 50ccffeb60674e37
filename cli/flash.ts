/**
 * `chipweb flash --target esp32|pico_w|moddable-sim [--port PORT]`: builds
 * the manifest `chipweb build` wrote with the Moddable tools and puts it on
 * the board (mcconfig -d -m -p esp32 / pico/pico_w), or runs it in Moddable's
 * desktop simulator (mcconfig -p lin|mac|win). With --xs-dev it goes through
 * xs-dev instead of calling mcconfig itself.
 *
 * Before running anything it checks what the tools need and, when something
 * is missing, prints every missing piece with how to install it, and exits 1.
 *
 * Never: install anything, or change the user's environment; run a tool
 * other than mcconfig or xs-dev.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { checkEnvironment, flashCommand } from '../toolchain/moddable-tools.ts';
import { isTarget, loadTemplate, TARGETS } from '../toolchain/templates.ts';
import { targetOf } from './target-of.ts';
import { type CommandIO, FLASH_OPTIONS, parseCommand } from './arguments.ts';

const USAGE = `usage: chipweb flash --target esp32|pico_w|moddable-sim [options]
       chipweb flash --target espruino --port PORT   (see --target espruino --help)

Builds build/<target>/manifest.json (written by 'chipweb build') with the
Moddable tools and flashes it to the board, or runs it in Moddable's desktop
simulator for --target moddable-sim.

options:
  --target T     esp32, pico_w or moddable-sim (required)
  --port PORT    serial port of the board (default: detected; sets UPLOAD_PORT)
  --out DIR      the folder 'chipweb build' wrote (default: build/<target>)
  --release      a release build (no debugger; default: debug build with xsbug)
  --xs-dev       run the build through xs-dev instead of mcconfig`;

/** Where console output goes (tests capture it). */
export type FlashIO = CommandIO;

/** The command with its environment, ready to run; exit code like run(). */
export async function flash(args: string[], env: NodeJS.ProcessEnv, io: FlashIO): Promise<number> {
  const parsed = parseCommand(
    'flash',
    args,
    {
      ...FLASH_OPTIONS,
      release: { type: 'boolean' },
      'xs-dev': { type: 'boolean' },
    },
    USAGE,
    io,
    false,
  );
  if (typeof parsed === 'number') return parsed;
  const values = parsed.values;
  const target = values.target as string | undefined;
  if (!target || !isTarget(target)) {
    io.error(
      `chipweb flash: --target must be one of ${TARGETS.join(', ')}, espruino${target ? `, not '${target}'` : ''}.\n\n${USAGE}`,
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
  if (targetOf(args) === 'espruino') return (await import('./espruino.ts')).flash(args, process.env);
  return flash(args, process.env, { log: (line) => console.log(line), error: (line) => console.error(line) });
}
