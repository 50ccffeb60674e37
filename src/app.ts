/**
 * App: route registration, groups and middleware, shaped like Gin and Hono.
 *
 * Registration happens once, at start. Each route's middleware chain is
 * combined when the route is registered (as Gin does), so a request only
 * walks an array that already exists. `compile()` hands the server the
 * route table and the chains.
 *
 * Never: run per request. Nothing here is on the request path.
 */
import type { ErrorHandler, Handler } from './context.ts';
import { compileRoutes, paramNames, routesHash, tableHash } from './router/index.ts';
import type { RouteSpec } from './router/index.ts';
import { upgradeHandler, WsRoute } from './ws/route.ts';
import type { WsHandlers } from './ws/socket.ts';
import { streamsBody, withoutStreamBody } from './middleware/stream-body.ts';

type ParamName<Segment extends string> = Segment extends `:${infer Name}`
  ? Name
  : Segment extends `*${infer Name}`
    ? Name
    : never;

/**
 * The param names of a route path: `PathParams<'/repos/:owner/:repo'>` is
 * `'owner' | 'repo'`. A path that is not a literal gives `string`.
 */
export type PathParams<Path extends string> = string extends Path
  ? string
  : Path extends `${infer Head}/${infer Tail}`
    ? ParamName<Head> | PathParams<Tail>
    : ParamName<Path>;

/** App-wide behaviour switches. */
export interface AppOptions {
  /** Redirect /a/ to /a (or the reverse) when only the other exists (default true). */
  redirectTrailingSlash?: boolean;
}

/** Everything the server needs from an App, fixed at start. */
export interface CompiledApp {
  /** The route table (compiled here, or shipped from flash). */
  readonly table: Uint8Array;
  /** Chain of each route, by route index. */
  readonly chains: readonly (readonly Handler<any>[])[];
  /** Param names of each route with params, by route index (sparse: the others have none). */
  readonly params: readonly (readonly string[] | undefined)[];
  /** Global middleware + the not-found handler. */
  readonly notFound: readonly Handler<any>[];
  /** Global middleware + the method-not-allowed handler. */
  readonly methodNotAllowed: readonly Handler<any>[];
  /** The error handler, if the app set one. */
  readonly onError: ErrorHandler | null;
  /** See AppOptions. */
  readonly redirectTrailingSlash: boolean;
  /** Most params of any route. */
  readonly maxParams: number;
  /** The WebSocket route (app.ws) of each route index that has one (sparse: undefined for the others). */
  readonly wsRoutes: readonly (WsRoute | undefined)[];
  /** True for each route that takes its body as it arrives (streamBody()), by route index (sparse). */
  readonly streamsBody: readonly (true | undefined)[];
}

/** A set of routes under a common prefix with its own middleware. */
export class Group<Prefix extends string = ''> {
  /** @internal */ readonly owner: App;
  /** The full prefix of this group. */
  readonly prefix: Prefix;
  /** @internal */ readonly middleware: Handler<any>[];

  /** Use app.group() rather than this. */
  constructor(owner: App, prefix: Prefix, middleware: Handler<any>[]) {
    this.owner = owner;
    this.prefix = prefix;
    this.middleware = middleware;
  }

  /** Adds middleware for the routes registered on this group from now on. */
  use(...middleware: Handler<any>[]): this {
    'cold';
    for (let i = 0; i < middleware.length; i++) this.middleware.push(middleware[i]);
    return this;
  }

  /** A nested group: prefix appended, middleware inherited. */
  group<Sub extends string>(prefix: Sub, ...middleware: Handler<any>[]): Group<`${Prefix}${Sub}`> {
    return new Group(this.owner, `${this.prefix}${prefix}` as `${Prefix}${Sub}`, this.middleware.concat(middleware));
  }

  /** Registers handlers for any method token (e.g. "PROPFIND"). */
  on<Path extends string>(method: string, path: Path, ...handlers: Handler<PathParams<`${Prefix}${Path}`>>[]): this {
    this.owner.addRoute(method.toUpperCase(), this.prefix + path, this.middleware.concat(handlers as Handler<any>[]));
    return this;
  }

  // Methods, not arrow fields: eight closures per App and group would cost about 55 Espruino variables.

  /** GET (HEAD is answered by the GET handler unless a HEAD route exists). */
  get<Path extends string>(path: Path, ...handlers: Handler<PathParams<`${Prefix}${Path}`>>[]): this {
    return this.on('GET', path, ...handlers);
  }

  /** POST. */
  post<Path extends string>(path: Path, ...handlers: Handler<PathParams<`${Prefix}${Path}`>>[]): this {
    'cold';
    return this.on('POST', path, ...handlers);
  }

  /** PUT. */
  put<Path extends string>(path: Path, ...handlers: Handler<PathParams<`${Prefix}${Path}`>>[]): this {
    'cold';
    return this.on('PUT', path, ...handlers);
  }

  /** PATCH. */
  patch<Path extends string>(path: Path, ...handlers: Handler<PathParams<`${Prefix}${Path}`>>[]): this {
    'cold';
    return this.on('PATCH', path, ...handlers);
  }

  /** DELETE. */
  delete<Path extends string>(path: Path, ...handlers: Handler<PathParams<`${Prefix}${Path}`>>[]): this {
    return this.on('DELETE', path, ...handlers);
  }

  /** OPTIONS. */
  options<Path extends string>(path: Path, ...handlers: Handler<PathParams<`${Prefix}${Path}`>>[]): this {
    return this.on('OPTIONS', path, ...handlers);
  }

  /** HEAD (only to override the GET fallback). */
  head<Path extends string>(path: Path, ...handlers: Handler<PathParams<`${Prefix}${Path}`>>[]): this {
    return this.on('HEAD', path, ...handlers);
  }

  /** Every method. */
  all<Path extends string>(path: Path, ...handlers: Handler<PathParams<`${Prefix}${Path}`>>[]): this {
    return this.on('*', path, ...handlers);
  }

  /**
   * A WebSocket route (docs/websocket.md): a GET route whose chain (this
   * group's middleware, then any given here) runs before the upgrade; a
   * middleware that answers (401) stops it. A plain GET gets 426, a bad
   * handshake 400. The last argument holds the handlers.
   */
  ws<Path extends string>(
    path: Path,
    ...args: [...Handler<PathParams<`${Prefix}${Path}`>>[], WsHandlers<PathParams<`${Prefix}${Path}`>>]
  ): this {
    'cold';
    const middleware = args.slice(0, -1) as Handler<any>[];
    this.owner.addWsRoute(this.prefix + path, this.middleware.concat(middleware), args[args.length - 1] as WsHandlers);
    return this;
  }
}

const DEFAULT_NOT_FOUND: Handler<any> = (c) => c.text('404 Not Found\n', 404);
const DEFAULT_METHOD_NOT_ALLOWED: Handler<any> = (c) => c.text('405 Method Not Allowed\n', 405);

/** The application: routes, middleware, error handling. */
export class App extends Group<''> {
  /** Each route's method and path, in two lists: on Espruino a [method, path] pair per route costs 2 variables more. */
  private readonly methods: string[] = [];
  private readonly paths: string[] = [];
  private readonly chainList: (readonly Handler<any>[])[] = [];
  private readonly wsRouteList: WsRoute[] = [];
  private readonly globalMiddleware: Handler<any>[];
  private notFoundHandler: Handler<any> = DEFAULT_NOT_FOUND;
  private methodNotAllowedHandler: Handler<any> = DEFAULT_METHOD_NOT_ALLOWED;
  private errorHandler: ErrorHandler | null = null;
  private readonly appOptions: AppOptions;
  private compiled: CompiledApp | null = null;

  /** Creates an empty app. */
  constructor(options: AppOptions = {}) {
    const middleware: Handler<any>[] = [];
    super(null as unknown as App, '', middleware);
    (this as { owner: App }).owner = this;
    this.globalMiddleware = middleware;
    this.appOptions = options;
  }

  /** @internal Registers one route; used by groups. */
  addRoute(method: string, path: string, chain: Handler<any>[]): void {
    'cold';
    if (this.compiled) throw new Error(`app: route ${method} ${path} registered after the server started`);
    if (chain.length === 0) throw new Error(`app: route ${method} ${path} has no handler`);
    this.methods.push(method);
    this.paths.push(path);
    this.chainList.push(chain);
  }

  /** @internal Registers a WebSocket route; used by groups. */
  addWsRoute(path: string, middleware: Handler<any>[], handlers: WsHandlers<any>): void {
    'cold';
    const route = new WsRoute(this.paths.length, path, handlers);
    this.addRoute('GET', path, middleware.concat([upgradeHandler()]));
    this.wsRouteList.push(route);
  }

  /** Sets the handler for requests no route matches (global middleware runs first). */
  notFound(handler: Handler<any>): this {
    this.notFoundHandler = handler;
    return this;
  }

  /**
   * Sets the handler for requests whose path has routes, but not for their
   * method (global middleware runs first). The server adds the `Allow`
   * header when the answer is a 405; the default answers `405 Method Not Allowed`.
   */
  methodNotAllowed(handler: Handler<any>): this {
    this.methodNotAllowedHandler = handler;
    return this;
  }

  /** Sets the handler for errors thrown by handlers (default: 500, or the HttpError's status). */
  onError(handler: ErrorHandler): this {
    this.errorHandler = handler;
    return this;
  }

  /** Every registered route as [method, path], in registration order ("*" = all methods). */
  routes(): RouteSpec[] {
    const routes: RouteSpec[] = [];
    for (let i = 0; i < this.paths.length; i++) routes.push([this.methods[i], this.paths[i]]);
    return routes;
  }

  /** Hash of the route list, as stored in a table compiled from it. */
  routesHash(): number {
    'cold';
    return routesHash(this.routes());
  }

  /**
   * Freezes the app for serving. With `table` (shipped from flash), checks
   * that it was compiled from exactly these routes and throws if not.
   */
  compile(table?: Uint8Array): CompiledApp {
    if (this.compiled) return this.compiled;
    const specs = this.routes();
    let routeTable: Uint8Array;
    if (table) {
      const expected = routesHash(specs);
      if (tableHash(table) !== expected) {
        throw new Error(
          `the app's ${specs.length} registered routes do not match the route table compiled by 'chipweb build' ` +
            `(routes hash ${expected}, table hash ${tableHash(table)}): the firmware was built from a different version of the app. ` +
            "Run 'chipweb build' again and flash it.",
        );
      }
      routeTable = table;
    } else {
      routeTable = compileRoutes(specs);
    }
    // Made at their full length (push would leave XS's growth slack), holding only what some routes have:
    // on Espruino every entry costs a variable, a hole none.
    const params = new Array<readonly string[] | undefined>(specs.length);
    const streams = new Array<true | undefined>(specs.length);
    const wsRoutes = new Array<WsRoute | undefined>(specs.length);
    for (const route of this.wsRouteList) wsRoutes[route.index] = route;
    // Registration is closed now (addRoute throws): the server runs the chains as registered.
    const chains = this.chainList;
    let maxParams = 0;
    for (let i = 0; i < specs.length; i++) {
      if (streamsBody(chains[i])) {
        streams[i] = true;
        // The marker has done its work once found: the server runs the chain without it.
        chains[i] = withoutStreamBody(chains[i]);
      }
      const names = paramNames(specs[i][1]);
      if (names.length > 0) params[i] = names;
      if (names.length > maxParams) maxParams = names.length;
    }
    this.compiled = {
      table: routeTable,
      chains,
      params,
      notFound: this.globalMiddleware.concat([this.notFoundHandler]),
      methodNotAllowed: this.globalMiddleware.concat([this.methodNotAllowedHandler]),
      onError: this.errorHandler,
      redirectTrailingSlash: this.appOptions.redirectTrailingSlash !== false,
      maxParams,
      wsRoutes,
      streamsBody: streams,
    };
    return this.compiled;
  }
}
