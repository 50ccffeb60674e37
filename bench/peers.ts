/**
 * The benchmark peers (Fastify, Hono, Express, autocannon), loaded from
 * bench/node_modules, which `npm run bench:setup` installs from
 * bench/package.json: they are not chipweb's dependencies, so neither a
 * user's install nor `npm test` needs them. Each is typed here with the
 * little the benchmarks use.
 *
 * Never: import a peer statically (the type-check must pass without them).
 */

/** Loads a peer package, or exits saying how to install the peers. */
export async function peer<T>(name: string): Promise<T> {
  try {
    return (await import(name)) as T;
  } catch (error) {
    if ((error as { code?: string }).code !== 'ERR_MODULE_NOT_FOUND') throw error;
    console.error(`bench: the benchmark peer '${name}' is not installed: run 'npm run bench:setup' first`);
    process.exit(2);
  }
}

/** A Hono router, as bench/router.ts drives it. */
export interface HonoRouter<T> {
  add(method: string, path: string, handler: T): void;
  match(method: string, path: string): [unknown[], ...unknown[]];
}

/** Hono's routers, by their class names. */
export async function honoRouters(): Promise<Record<string, new () => HonoRouter<number>>> {
  const load = async (file: string, name: string) =>
    (await peer<Record<string, new () => HonoRouter<number>>>(`hono/router/${file}`))[name];
  return {
    RegExp: await load('reg-exp-router', 'RegExpRouter'),
    Trie: await load('trie-router', 'TrieRouter'),
    Pattern: await load('pattern-router', 'PatternRouter'),
    Linear: await load('linear-router', 'LinearRouter'),
  };
}

/** The part of a request/reply pair the HTTP servers answer with. */
interface Reply {
  type(value: string): { send(body: string): void };
}

/** Fastify, as bench/http-server.ts uses it. */
export type FastifyFactory = (options: { logger: boolean }) => {
  get(path: string, handler: (req: { params: Record<string, string> }, reply: Reply) => void): void;
  listen(options: { port: number; host: string }): Promise<unknown>;
};

/** Hono's app, as bench/http-server.ts uses it. */
export interface HonoApp {
  get(
    path: string,
    handler: (c: { text(body: string): Response; req: { param(name: string): string } }) => Response,
  ): void;
  fetch: (request: Request) => Response | Promise<Response>;
}

/** @hono/node-server's serve(). */
export type HonoServe = (
  options: { fetch: HonoApp['fetch']; port: number; hostname: string },
  ready: () => void,
) => void;
