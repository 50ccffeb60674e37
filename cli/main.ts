/**
 * The `chipweb` command: parses the subcommand and hands over to the module
 * that does the work. Imported by nothing.
 *
 * Never: do a command's work here; an unknown command gets the usage and exit code 2.
 */

const USAGE = `usage: chipweb <command> [options]

commands:
  init [DIR]
        start a project: package.json, app.ts, a test, tsconfig.json, .gitignore, README.md
  sim ENTRY [--port N] [--host H] [--target esp32|pico_w] [--slots N] [--slot-size N] [--engine node|xs|espruino]
        run the app in the host simulator (default http://127.0.0.1:8080)
  build ENTRY --target esp32|pico_w|moddable-sim|espruino
        bundle the app into build/<target>/ (a Moddable manifest, or Espruino Storage files)
  flash --target esp32|pico_w|moddable-sim|espruino [--port PORT]
        put the app on the board (Moddable tools, or the espruino CLI)
  ota --host HOST FILE [--user U --password P]
        update a running device over the air with a firmware image

run 'chipweb <command> --help' for the options of one command; chipweb --version for the version`;

const commands: Record<string, () => Promise<{ run(args: string[]): Promise<number> }>> = {
  init: () => import('./init.ts'),
  sim: () => import('./sim.ts'),
  build: () => import('./build.ts'),
  flash: () => import('./flash.ts'),
  ota: () => import('./ota.ts'),
};

async function main(argv: string[]): Promise<number> {
  const [name, ...args] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    console.log(USAGE);
    return name ? 0 : 2;
  }
  if (name === '--version' || name === '-v' || name === 'version') {
    const { readFileSync } = await import('node:fs');
    const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
      version: string;
    };
    console.log(`chipweb ${manifest.version}`);
    return 0;
  }
  const load = commands[name];
  if (!load) {
    console.error(`chipweb: unknown command '${name}'\n\n${USAGE}`);
    return 2;
  }
  const command = await load();
  return command.run(args);
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code !== 0) process.exitCode = code;
  },
  (error: unknown) => {
    console.error(`chipweb: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  },
);
