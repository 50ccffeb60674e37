/**
 * basicAuth(): HTTP Basic authentication against a list of users (fixed,
 * or given by a function, for a password that can change), answering 401
 * with `WWW-Authenticate` when the credentials are missing or wrong (not to
 * a request with `X-Requested-With`: a page's script that asks for the
 * password itself, where the challenge would pop up the browser's dialog).
 *
 * The expected `user:password` tokens are base64-encoded once, at
 * construction. A request's Authorization header is compared byte by byte
 * where it sits in the slot, against every user, in time that depends only
 * on the lengths involved (no early exit on the first differing byte, no
 * early exit on the first matching user).
 *
 * Never: make a string from the request's credentials; never stop comparing
 * early; never log credentials. Basic auth sends the password in clear
 * text: use it on a trusted network only (the board serves plain HTTP).
 */
import type { Context, Handler } from '../context.ts';

/** One user allowed in. */
export interface BasicAuthUser {
  /** User name (must not contain ':'). */
  username: string;
  /** Password. */
  password: string;
}

/** Options of basicAuth(): one user, or `users`. */
export interface BasicAuthOptions {
  /** The only user (with `password`). */
  username?: string;
  /** The only user's password. */
  password?: string;
  /**
   * Several users; or a function giving the current ones for a request (a
   * password kept in the platform's store that can change): the tokens are
   * made again only when the list's names or passwords change.
   */
  users?: BasicAuthUser[] | ((c: Context) => readonly BasicAuthUser[]);
  /** Realm shown by the browser's login prompt (default "chipweb"). */
  realm?: string;
}

/**
 * Middleware admitting requests whose `Authorization: Basic …` header
 * matches a configured user; the user name is then `c.get('user')`.
 */
export function basicAuth(options: BasicAuthOptions): Handler {
  'cold';
  const current = typeof options.users === 'function' ? options.users : null;
  const fixed: BasicAuthUser[] = Array.isArray(options.users) ? options.users.slice() : [];
  if (options.username !== undefined) fixed.push({ username: options.username, password: options.password ?? '' });
  if (fixed.length === 0 && current === null) throw new Error('basicAuth: give username and password, or users');
  const tokens: Uint8Array[] = [];
  const names: string[] = [];
  const passwords: string[] = [];
  let longest = 0;
  /** Makes the tokens of `users` (at construction, and when a `users()` list changed). */
  function encode(users: readonly BasicAuthUser[]): void {
    tokens.splice(0, tokens.length);
    names.splice(0, names.length);
    passwords.splice(0, passwords.length);
    longest = 0;
    for (let i = 0; i < users.length; i++) {
      if (users[i].username.indexOf(':') >= 0)
        throw new Error(`basicAuth: user name "${users[i].username}" contains ':'`);
      const token = base64(utf8(users[i].username + ':' + users[i].password));
      tokens.push(token);
      names.push(users[i].username);
      passwords.push(users[i].password);
      if (token.length > longest) longest = token.length;
    }
  }
  /** Brings the tokens up to date with `users()`; no allocation while it is unchanged. */
  function refresh(users: readonly BasicAuthUser[]): void {
    let same = users.length === names.length;
    for (let i = 0; same && i < users.length; i++)
      same = users[i].username === names[i] && users[i].password === passwords[i];
    if (!same) encode(users);
  }
  encode(fixed);
  const realm = (options.realm ?? 'chipweb').replace(/["\\\\]/g, '');
  const challenge = `Basic realm="${realm}", charset="UTF-8"`;

  return (c: Context) => {
    if (current !== null) refresh(current(c));
    const raw = c.raw;
    const index = raw.headerIndex('authorization');
    let matched = -1;
    if (index >= 0) {
      const bytes = raw.bytes;
      let p = raw.valueStart(index);
      let end = raw.valueEnd(index);
      // Scheme "Basic", any case, then spaces, then the token (trailing spaces ignored).
      const scheme =
        p + 5 < end &&
        (bytes[p] | 0x20) === 98 &&
        (bytes[p + 1] | 0x20) === 97 &&
        (bytes[p + 2] | 0x20) === 115 &&
        (bytes[p + 3] | 0x20) === 105 &&
        (bytes[p + 4] | 0x20) === 99 &&
        bytes[p + 5] === 32;
      if (scheme) {
        p += 6;
        while (p < end && bytes[p] === 32) p++;
        while (end > p && (bytes[end - 1] === 32 || bytes[end - 1] === 9)) end--;
        for (let u = 0; u < tokens.length; u++) {
          if (constantTimeEqual(bytes, p, end, tokens[u], longest) && matched < 0) matched = u;
        }
      }
    }
    if (matched >= 0) {
      c.set('user', names[matched]);
      return c.next();
    }
    // A page's own script (X-Requested-With, as Spring Security does) asks with its own
    // password field: without the Basic challenge, the browser does not pop up a login dialog.
    if (raw.headerIndex('x-requested-with') < 0) c.setHeader('WWW-Authenticate', challenge);
    c.text('401 Unauthorized\n', 401);
    return undefined;
  };
}

/**
 * True when bytes[start..end) equal `token`; always reads `span` bytes of
 * each side (padding with zeros), so its time does not depend on where the
 * first difference is.
 */
function constantTimeEqual(bytes: Uint8Array, start: number, end: number, token: Uint8Array, span: number): boolean {
  const length = end - start;
  let diff = length ^ token.length;
  for (let i = 0; i < span; i++) {
    const a = i < length ? bytes[start + i] : 0;
    const b = i < token.length ? token[i] : 0;
    diff |= a ^ b;
  }
  return diff === 0;
}

function utf8(s: string): number[] {
  const out: number[] = [];
  for (let i = 0; i < s.length; i++) {
    let c = s.charCodeAt(i);
    if (c >= 0xd800 && c < 0xdc00 && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d < 0xe000) {
        c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
        i++;
      }
    }
    if (c < 0x80) out.push(c);
    else if (c < 0x800) out.push(0xc0 | (c >> 6), 0x80 | (c & 63));
    else if (c < 0x10000) out.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
    else out.push(0xf0 | (c >> 18), 0x80 | ((c >> 12) & 63), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
  }
  return out;
}

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** Standard base64 with padding, as ASCII bytes. */
function base64(data: number[]): Uint8Array {
  let s = '';
  for (let i = 0; i < data.length; i += 3) {
    const a = data[i];
    const b = i + 1 < data.length ? data[i + 1] : 0;
    const c = i + 2 < data.length ? data[i + 2] : 0;
    s += ALPHABET[a >> 2] + ALPHABET[((a & 3) << 4) | (b >> 4)];
    s += i + 1 < data.length ? ALPHABET[((b & 15) << 2) | (c >> 6)] : '=';
    s += i + 2 < data.length ? ALPHABET[c & 63] : '=';
  }
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}
