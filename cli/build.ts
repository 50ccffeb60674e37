/**
 * `chipweb build ENTRY --target esp32|pico_w|moddable-sim`: parses the
 * options, runs the build (toolchain/build.ts) and prints its size report.
 *
 * Never: do build work here; exit 2 on a usage error, 1 when the build fails
 * or is over budget.
 */
import { relative } from 'node:path';
import { BUILD_OPTIONS, buildBasics, parseCommand } from './arguments.ts';
import { type BuildResult, BuildError, build } from '../toolchain/build.ts';
import { formatReport } from '../toolchain/size-report.ts';
import { isTarget, TARGETS } from '../toolchain/templates.ts';
import { targetOf } from './target-of.ts';

const USAGE = `usage: chipweb build ENTRY --target esp32|pico_w|moddable-sim [options]
       chipweb build ENTRY --target espruino [options]   (see --target espruino --help)

Bundles ENTRY (a module whose default export is a chipweb App) into
build/<target>/ with a Moddable manifest, then prints the size report.

options:
  --target T        esp32, pico_w or moddable-sim (required)
  --out DIR         output folder, emptied first (default: build/<target>); a folder
                    with files an earlier build did not write is refused
  --assets DIR      web assets to gzip into flash (default: the web UI next to ENTRY,
                    built first from ui/ into ui/dist, if there is one)
  --no-assets       link no web assets
  --template FILE   manifest template (default: chipweb's manifests/<target>.json)
  --name NAME       device name: <name>.local and the access point's name (default: the template's)
  --led-pin N       GPIO of the LED (default: the template's)
  --router R        code (default): route with code generated from the route table,
                    fastest on XS; table: walk the table alone, smallest in flash
  --preload-app     preload the app module too: its routes and middleware stay in
                    flash (less RAM); it must then make typed arrays, Maps and Sets
                    at run time, not at module load. Default: what the app module
                    declares with 'export const preload = true' (the default app does)
  --no-preload-app  keep the app module in RAM even if it declares preload
  --quiet           print the size report only when the budget is exceeded

Wi-Fi credentials come from CHIPWEB_SSID and CHIPWEB_PASSWORD, or from a
git-ignored .env file holding those two lines.`;

/** `chipweb build`: prints the size report; exit code 0, 1 (failed or over budget) or 2 (usage). */
export async function run(args: string[]): Promise<number> {
  if (targetOf(args) === 'espruino') return (await import('./espruino.ts')).build(args);
  const parsed = parseCommand(
    'build',
    args,
    {
      ...BUILD_OPTIONS,
      template: { type: 'string' },
      'preload-app': { type: 'boolean' },
      'no-preload-app': { type: 'boolean' },
    },
    USAGE,
  );
  if (typeof parsed === 'number') return parsed;
  const { values } = parsed;
  const basics = buildBasics(parsed, USAGE);
  if (typeof basics === 'number') return basics;
  const { entry, ledPin, router } = basics;
  const target = values.target as string | undefined;
  if (!target || !isTarget(target)) {
    console.error(
      `chipweb build: --target must be one of ${TARGETS.join(', ')}, espruino${target ? `, not '${target}'` : ''}.\n\n${USAGE}`,
    );
    return 2;
  }
  if (values['preload-app'] && values['no-preload-app']) {
    console.error(`chipweb build: give --preload-app or --no-preload-app, not both.\n\n${USAGE}`);
    return 2;
  }
  try {
    const result = await build({
      entry,
      router,
      target,
      out: values.out as string | undefined,
      assets: values['no-assets'] ? null : (values.assets as string | undefined),
      template: values.template as string | undefined,
      name: values.name as string | undefined,
      ledPin,
      // Neither flag: what the app module declares (export const preload = true).
      preloadApp: values['preload-app'] ? true : values['no-preload-app'] ? false : undefined,
    });
    const { report } = result;
    if (report.routeMatcherSkipped && router === 'code') {
      console.error(
        `chipweb build: warning: no generated route matcher (${report.routeMatcherSkipped}); the board walks the route table, which answers the same, about 2.5x slower on XS`,
      );
    }
    if (result.uiReport && !values.quiet) console.log(`${result.uiReport}\n`);
    if (!values.quiet || report.problems.length) console.log(formatReport(report));
    if (report.problems.length) {
      console.error(`\nchipweb build: over the ${target} budget:\n  ${report.problems.join('\n  ')}`);
      return 1;
    }
    if (!values.quiet) {
      const where = relative(process.cwd(), result.out) || '.';
      console.log(`\nwrote ${where}/ (${result.routes.length} routes, ${result.assets.length} assets)`);
      console.log(wifiNote(result));
      console.log(`next: chipweb flash --target ${target}${values.out ? ` --out ${values.out}` : ''}`);
    }
    return 0;
  } catch (error) {
    if (error instanceof BuildError) {
      console.error(`chipweb build: ${error.message}`);
      return 1;
    }
    throw error;
  }
}

/** What the board will do about Wi-Fi, said plainly for this target. */
export function wifiNote(result: Pick<BuildResult, 'credentials' | 'template' | 'manifest'>): string {
  const wifi = result.template.budget.device.wifi;
  if (wifi === null) return 'Wi-Fi: managed by the computer the simulator runs on';
  if (result.credentials) return `Wi-Fi: joins the network from ${result.credentials}`;
  const name = (result.manifest.config as { deviceName?: string } | undefined)?.deviceName ?? 'the device';
  if (wifi.accessPoint) {
    return `Wi-Fi: no credentials, so the board starts its own access point "${name}" and serves the app at http://192.168.4.1 (set CHIPWEB_SSID and CHIPWEB_PASSWORD and build again to join a network)`;
  }
  return `Wi-Fi: no credentials, and this board cannot start an access point (Moddable SDK 8.2.3 has none for the ${result.template.budget.target}): set CHIPWEB_SSID and CHIPWEB_PASSWORD (or a .env file) and build again, or it will have no network`;
}
