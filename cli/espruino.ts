/**
 * The Espruino side of `chipweb build` and `chipweb flash` (cli/build.ts and
 * cli/flash.ts hand over here for `--target espruino`): parses the options,
 * runs toolchain/espruino/build.ts or the upload, and prints.
 *
 * Never: do build work here; exit 2 on a usage error, 1 when the build
 * fails, is over budget, or the upload cannot run.
 */
import { spawn } from 'node:child_process';
import { join, relative, resolve } from 'node:path';
import { BuildError } from '../toolchain/build.ts';
import { buildEspruino } from '../toolchain/espruino/build.ts';
import { checkUpload, findEspruinoTool, storageFiles, uploadArgs } from '../toolchain/espruino/flash.ts';
import { formatEspruinoReport } from '../toolchain/espruino/size.ts';
import { EspruinoMissing } from '../host-sim/espruino/engine.ts';
import { BUILD_OPTIONS, buildBasics, CONSOLE, type CommandIO, FLASH_OPTIONS, parseCommand } from './arguments.ts';

/** Where console output goes (tests capture it). */
export type EspruinoIO = CommandIO;

const BUILD_USAGE = `usage: chipweb build ENTRY --target espruino [options]

Lowers ENTRY (a module whose default export is a chipweb App), the core and
the Espruino platform into one script for Espruino 2v29 and writes
build/espruino/: the Storage files (.bootcde, routes.bin, the gzipped web
assets; for an app with an update route the OTA module, its installer and
.boot0), storage.json, update.bin (every Storage file in one over-the-air
image, for chipweb ota) and the size report in Espruino variables.

options:
  --out DIR         output folder, emptied first (default: build/espruino); a folder
                    with files an earlier build did not write is refused
  --assets DIR      web assets to gzip into Storage (default: the web UI next to ENTRY)
  --no-assets       no web assets
  --budget FILE     Espruino budget (default: chipweb's firmware/espruino/budget.json)
  --name NAME       device name (access point name; default: the budget's)
  --led-pin N       GPIO of the LED (default: the budget's)
  --router R        code (default) or table, as for Moddable
  --no-minify       keep the script readable (for debugging on the board)
  --quiet           print the size report only when over budget

Wi-Fi credentials come from CHIPWEB_SSID and CHIPWEB_PASSWORD, or a
git-ignored .env file holding those two lines.`;

/** `chipweb build --target espruino`. */
export async function build(args: string[], io: EspruinoIO = CONSOLE): Promise<number> {
  const parsed = parseCommand(
    'build',
    args,
    {
      ...BUILD_OPTIONS,
      budget: { type: 'string' },
      'no-minify': { type: 'boolean' },
    },
    BUILD_USAGE,
    io,
  );
  if (typeof parsed === 'number') return parsed;
  const basics = buildBasics(parsed, BUILD_USAGE, io);
  if (typeof basics === 'number') return basics;
  const { entry, ledPin, router } = basics;
  const values = parsed.values;
  try {
    const result = await buildEspruino({
      entry,
      out: values.out as string | undefined,
      assets: values['no-assets'] ? null : (values.assets as string | undefined),
      budget: values.budget as string | undefined,
      name: values.name as string | undefined,
      ledPin,
      router,
      minify: values['no-minify'] !== true,
    });
    const report = result.report;
    if (result.uiReport && !values.quiet) io.log(`${result.uiReport}\n`);
    if (!values.quiet || report.problems.length) io.log(formatEspruinoReport(report));
    if (report.problems.length) {
      io.error(`\nchipweb build: over the espruino budget:\n  ${report.problems.join('\n  ')}`);
      return 1;
    }
    if (!values.quiet) {
      const where = relative(process.cwd(), result.out) || '.';
      io.log(
        `\nwrote ${where}/ (${result.routes.length} routes, ${result.assets.length} assets, ${result.files.length} Storage files)` +
          (result.credentials
            ? `; Wi-Fi credentials from ${result.credentials}`
            : '; no Wi-Fi credentials (the board will start an access point)'),
      );
      io.log(`next: chipweb flash --target espruino --port PORT${values.out ? ` --out ${values.out}` : ''}`);
      const image = relative(process.cwd(), result.image.path) || result.image.path;
      io.log(
        `over the air: ${image} (${result.image.bytes} B, SHA-256 ${result.image.sha256})` +
          (result.ota
            ? `: chipweb ota --host HOST ${image}`
            : '; this app takes no updates itself (it has no OtaSession: no POST /api/update)'),
      );
    }
    return 0;
  } catch (error) {
    if (error instanceof BuildError) {
      io.error(`chipweb build: ${error.message}`);
      return 1;
    }
    throw error;
  }
}

const FLASH_USAGE = `usage: chipweb flash --target espruino --port PORT [options]

Uploads build/espruino/ (written by 'chipweb build --target espruino') to a
board running Espruino with the 'espruino' command-line tool: every Storage
file, the boot code last, then load() restarts the board into it. Flash
Espruino itself first with esptool (see docs/espruino.md).

options:
  --port PORT    the board's serial port (/dev/ttyUSB0, COM3) or tcp://HOST[:PORT]
  --out DIR      the folder 'chipweb build' wrote (default: build/espruino)`;

/** `chipweb flash --target espruino`. */
export async function flash(args: string[], env: NodeJS.ProcessEnv, io: EspruinoIO = CONSOLE): Promise<number> {
  const parsed = parseCommand('flash', args, FLASH_OPTIONS, FLASH_USAGE, io, false);
  if (typeof parsed === 'number') return parsed;
  const values = parsed.values;
  const out = resolve((values.out as string | undefined) ?? join('build', 'espruino'));
  const port = values.port as string | undefined;
  const missing = checkUpload(out, port, env);
  if (missing.length) {
    io.error('chipweb flash: cannot upload to the Espruino board; missing:');
    for (const m of missing) io.error(`  - ${m.what}\n    fix: ${m.fix}`);
    return 1;
  }
  const tool = findEspruinoTool(env) as string;
  const command = uploadArgs(out, port as string, storageFiles(out));
  io.log(`${tool} ${command.join(' ')}`);
  return new Promise<number>((done) => {
    // The tool exits 0 when it cannot reach the board, so its output says whether the upload happened.
    const child = spawn(tool, command, { env, stdio: ['inherit', 'pipe', 'pipe'] });
    let output = '';
    const forward = (to: NodeJS.WriteStream) => (chunk: Buffer) => {
      to.write(chunk);
      output = (output + chunk.toString('latin1')).slice(-65536);
    };
    child.stdout.on('data', forward(process.stdout));
    child.stderr.on('data', forward(process.stderr));
    child.on('error', (error) => {
      io.error(`chipweb flash: could not run ${tool}: ${error.message}`);
      done(1);
    });
    child.on('close', (code, signal) => {
      if (code !== 0) {
        io.error(
          `chipweb flash: espruino ${signal ? `stopped by ${signal}` : `exited with ${code}`}: see its output above`,
        );
        done(code ?? 1);
      } else if (!uploaded(output)) {
        io.error(
          `chipweb flash: the upload to ${port} did not happen (see the espruino tool's output above): check the port, and that the board is on and not busy`,
        );
        done(1);
      } else done(0);
    });
  });
}

/** Whether the espruino tool's output says it reached the board and uploaded. */
export function uploaded(output: string): boolean {
  if (
    /RECEIVE ERROR|ECONNREFUSED|EHOSTUNREACH|ETIMEDOUT|Unable to (open|connect)|Connection (refused|failed)/i.test(
      output,
    )
  )
    return false;
  return /^Connected/m.test(output) && output.includes('Upload Complete');
}

/**
 * `chipweb sim --engine espruino`: builds, boots $ESPRUINO and serves until
 * `wait` (Ctrl-C) stops it; exit 1 with what is missing when $ESPRUINO is not usable.
 */
export async function runOnEspruino(
  entry: string,
  options: { port: number; assets?: string },
  wait: (stop: () => Promise<void>) => Promise<number>,
  io: EspruinoIO = CONSOLE,
): Promise<number> {
  const { serveOnEspruino } = await import('../host-sim/espruino/sim.ts');
  try {
    const sim = await serveOnEspruino(entry, {
      port: options.port,
      assets: options.assets,
      log: (line) => {
        if (!line.startsWith('espruino:')) io.log(`[espruino] ${line}`);
      },
    });
    io.log(
      `chipweb sim (Espruino engine): serving ${entry} at ${sim.url} (about ${sim.build.report.startVariables} variables at start, estimated)`,
    );
    return wait(() => sim.close());
  } catch (error) {
    if (error instanceof EspruinoMissing || error instanceof BuildError) {
      io.error(`chipweb sim: ${error.message}`);
      return 1;
    }
    io.error(`chipweb sim: ${(error as Error).message}`);
    return 1;
  }
}
