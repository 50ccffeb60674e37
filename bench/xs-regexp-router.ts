/**
 * The peer in the XS router benchmark: a plain linear RegExp router, the way
 * HTTP servers on Moddable route today. Each route becomes an anchored
 * RegExp (`:name` → `([^/]+)`, `*name` → `(.*)`); a lookup compares the
 * method string and runs `exec` on the path string, route by route, in
 * registration order, and the first hit wins.
 *
 * Runs inside XS. Never: give it anything chipweb's router does not get
 * (it is handed the path as a ready-made string, which favours it).
 */

/** One compiled route of the RegExp router. */
interface RegExpRoute {
  method: string;
  pattern: RegExp;
  names: string[];
}

/** A linear RegExp router: what people write on Moddable without a router library. */
export class RegExpRouter {
  /** Compiled routes in registration order. */
  readonly routes: RegExpRoute[] = [];

  /** Adds a route in Gin syntax (`/users/:id`, `/static/*path`). */
  add(method: string, path: string): void {
    const names: string[] = [];
    let source = '^';
    const segments = path.split('/');
    for (let i = 1; i < segments.length; i++) {
      const segment = segments[i];
      source += '/';
      if (segment.charAt(0) === ':') {
        names.push(segment.slice(1));
        source += '([^/]+)';
      } else if (segment.charAt(0) === '*') {
        names.push(segment.slice(1));
        source += '(.*)';
      } else {
        source += segment.replace(/[.+?^${}()|[\]\\]/g, '\\$&');
      }
    }
    this.routes.push({ method, pattern: new RegExp(source + '$'), names });
  }

  /** Index of the first route whose method and pattern match, or -1. The match array holds the params. */
  lookup(method: string, path: string): number {
    const routes = this.routes;
    for (let i = 0; i < routes.length; i++) {
      const route = routes[i];
      if (route.method !== method) continue;
      const match = route.pattern.exec(path);
      if (match !== null) return i;
    }
    return -1;
  }
}
