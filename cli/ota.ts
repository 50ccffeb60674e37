/**
 * `chipweb ota --host HOST FILE [--user U --password P]`: uploads a firmware
 * image to a running device over the air (POST /api/update, docs/ota.md)
 * with its SHA-256 in the X-Image-SHA256 header, shows progress, and prints
 * what the device answered: the image is written to the idle app slot,
 * checked against the hash, and booted after a restart, or the device says
 * why not (401 credentials, 409 busy, 413 too large, 422 hash mismatch, 501
 * no OTA on this board) and keeps running its current firmware.
 *
 * It asks with `Expect: 100-continue` first, so a device that refuses (401,
 * 409, 501) says so before the image is sent; a device that does not answer
 * the expectation gets the body after a second anyway.
 *
 * Never: print the password; retry on its own; upload without the hash.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import * as http from 'node:http';
import { type CommandIO, parseCommand } from './arguments.ts';

const USAGE = `usage: chipweb ota --host HOST FILE [options]

Uploads FILE (the firmware image mcconfig built, e.g. xs_esp32.bin, or an
Espruino build's build/espruino/update.bin) to the device at HOST over the air. The device checks the image's SHA-256, switches
to it and restarts; on any error it keeps its current firmware.

options:
  --host HOST      the device: name or address, optionally :port
                   (e.g. chipweb.local, 192.168.4.1, 127.0.0.1:8080)
  --user U         user name for the device's basic auth (default: admin, with a password)
  --password P     its password (or set CHIPWEB_ADMIN_PASSWORD)
  --path P         the update route (default /api/update)
  --timeout S      give up after S seconds without progress (default 30)`;

/** Where console output goes (tests capture it). */
export interface OtaIO extends CommandIO {
  /** Progress, rewritten in place on a terminal. */
  progress(line: string): void;
}

/** Pieces the image is written in. */
const PIECE = 16384;

/** What the device answered. */
interface Answer {
  status: number;
  body: string;
}

/** The message in a device's answer body: `{"error": …}`, or the text itself. */
function bodyMessage(body: string): string {
  try {
    const parsed = JSON.parse(body) as { error?: unknown; message?: unknown };
    if (typeof parsed.error === 'string') return parsed.error;
    if (typeof parsed.message === 'string') return parsed.message;
  } catch {
    // not JSON
  }
  return body.trim();
}

/** Splits "host[:port]" (or a URL) into host and port. */
function parseHost(text: string): { host: string; port: number } | string {
  let rest = text.replace(/^https?:\/\//, '').replace(/\/.*$/, '');
  if (text.startsWith('https://')) return 'the device serves plain HTTP: give --host without https://';
  let port = 80;
  const bracket = /^\[([^\]]+)\](?::(\d+))?$/.exec(rest);
  if (bracket) return { host: bracket[1], port: bracket[2] ? Number(bracket[2]) : 80 };
  const colon = rest.lastIndexOf(':');
  if (colon > 0 && rest.indexOf(':') === colon) {
    port = Number(rest.slice(colon + 1));
    rest = rest.slice(0, colon);
    if (!Number.isInteger(port) || port < 1 || port > 65535) return `invalid port in --host ${text}`;
  }
  if (!rest) return `no host in --host ${text}`;
  return { host: rest, port };
}

/** The command with its environment; resolves to the exit code. */
export async function ota(args: string[], env: NodeJS.ProcessEnv, io: OtaIO): Promise<number> {
  const parsed = parseCommand(
    'ota',
    args,
    {
      host: { type: 'string' },
      user: { type: 'string', short: 'u' },
      password: { type: 'string', short: 'p' },
      path: { type: 'string' },
      timeout: { type: 'string' },
    },
    USAGE,
    io,
  );
  if (typeof parsed === 'number') return parsed;
  const { values, positionals } = parsed;
  const file = positionals[0];
  if (!values.host || !file || positionals.length > 1) {
    io.error(`chipweb ota: give --host and one image file.\n\n${USAGE}`);
    return 2;
  }
  const target = parseHost(values.host as string);
  if (typeof target === 'string') {
    io.error(`chipweb ota: ${target}`);
    return 2;
  }
  if (!existsSync(file) || !statSync(file).isFile()) {
    io.error(
      `chipweb ota: ${file} does not exist. Give the firmware image: after 'chipweb flash --target esp32' ` +
        'mcconfig leaves it in build/esp32/moddable/bin/esp32/<debug|release>/esp32/xs_esp32.bin.',
    );
    return 2;
  }
  const timeout = values.timeout === undefined ? 30 : Number(values.timeout);
  if (!Number.isFinite(timeout) || timeout <= 0) {
    io.error(`chipweb ota: --timeout must be a number of seconds, got '${values.timeout}'`);
    return 2;
  }
  const password = (values.password as string | undefined) ?? env.CHIPWEB_ADMIN_PASSWORD;
  // The default app's admin account (firmware/app/update.ts) unless another is named.
  const user = (values.user as string | undefined) ?? (password !== undefined ? 'admin' : undefined);
  const image = readFileSync(file);
  if (image.length === 0) {
    io.error(`chipweb ota: ${file} is empty`);
    return 2;
  }
  const sha256 = createHash('sha256').update(image).digest('hex');
  const path = (values.path as string | undefined) ?? '/api/update';
  const where = `http://${target.host.includes(':') ? `[${target.host}]` : target.host}${target.port === 80 ? '' : `:${target.port}`}${path}`;
  io.log(`chipweb ota: ${file} (${image.length.toLocaleString('en-US')} bytes, SHA-256 ${sha256}) -> ${where}`);

  let answer: Answer;
  try {
    answer = await upload(image, sha256, target, path, user, password, timeout * 1000, io);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason =
      code === 'ECONNREFUSED'
        ? 'nothing listens there'
        : code === 'ENOTFOUND' || code === 'EAI_AGAIN'
          ? 'no such host name'
          : code === 'EHOSTUNREACH' || code === 'ENETUNREACH'
            ? 'no route to it'
            : (error as Error).message;
    io.error(
      `chipweb ota: cannot reach ${target.host}:${target.port} (${reason}). Is the device on and on this network? ` +
        'Its address is in its log and on its dashboard; on first boot join its access point and use 192.168.4.1.',
    );
    return 1;
  }
  const message = bodyMessage(answer.body);
  if (answer.status >= 200 && answer.status < 300) {
    io.log(`chipweb ota: done: the device checked the image and restarts into it${message ? ` (${message})` : ''}`);
    return 0;
  }
  const hints: Record<number, string> = {
    401: user
      ? 'the device refused these credentials (401): check --user and --password'
      : 'the device wants credentials (401): give --user and --password',
    403: 'the device refused the update (403)',
    409: 'another update is running on the device (409): wait for it to finish, then try again',
    // The update route answers 413 in JSON; the server's own 413 (no route reads the body) is text.
    413: answer.body.trimStart().startsWith('{')
      ? 'the image is larger than the device’s update slot (413)'
      : `the device refused a body this large (413): it has no update route at ${path} (is it running chipweb’s default firmware, or give --path), or the image is larger than its update slot`,
    422: 'the device rejected the image (422); it keeps its current firmware',
    501: 'this board cannot update over the air (501): flash it by cable with chipweb flash',
  };
  const hint = hints[answer.status] ?? `the device answered ${answer.status}; it keeps its current firmware`;
  io.error(`chipweb ota: ${hint}${message ? `: ${message}` : ''}`);
  return 1;
}

/** POSTs the image; resolves with the device's answer, rejects when it cannot be reached. */
function upload(
  image: Buffer,
  sha256: string,
  target: { host: string; port: number },
  path: string,
  user: string | undefined,
  password: string | undefined,
  timeoutMs: number,
  io: OtaIO,
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const headers: http.OutgoingHttpHeaders = {
      'Content-Type': 'application/octet-stream',
      'Content-Length': image.length,
      'X-Image-SHA256': sha256,
      Expect: '100-continue',
    };
    if (user !== undefined)
      headers.Authorization = `Basic ${Buffer.from(`${user}:${password ?? ''}`).toString('base64')}`;
    const request = http.request({ host: target.host, port: target.port, path, method: 'POST', headers });
    let sent = 0;
    let started = false;
    let answered = false;
    let lastShown = -1;
    const show = () => {
      const percent = Math.floor((sent * 100) / image.length);
      if (percent === lastShown) return;
      lastShown = percent;
      io.progress(
        `  ${String(percent).padStart(3)}%  ${sent.toLocaleString('en-US')} of ${image.length.toLocaleString('en-US')} bytes`,
      );
    };
    const pump = () => {
      while (!answered && sent < image.length) {
        const end = Math.min(image.length, sent + PIECE);
        const more = request.write(image.subarray(sent, end));
        sent = end;
        show();
        if (!more) {
          request.once('drain', pump);
          return;
        }
      }
      if (!answered) request.end();
    };
    const start = () => {
      if (started || answered) return;
      started = true;
      clearTimeout(fallback);
      pump();
    };
    // A device that ignores the expectation gets the body after a second, as curl does.
    const fallback = setTimeout(start, 1000);
    request.on('continue', start);
    request.setTimeout(timeoutMs, () => request.destroy(new Error(`no progress for ${timeoutMs / 1000} s`)));
    request.on('response', (response) => {
      answered = true;
      clearTimeout(fallback);
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => {
        request.destroy();
        resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') });
      });
      response.on('error', reject);
    });
    request.on('error', (error) => {
      clearTimeout(fallback);
      if (!answered) reject(error);
    });
    request.flushHeaders();
  });
}

/** Runs the command from the CLI. */
export async function run(args: string[]): Promise<number> {
  const tty = process.stdout.isTTY === true;
  let pending = false;
  return ota(args, process.env, {
    log: (line) => {
      if (pending) process.stdout.write('\n');
      pending = false;
      console.log(line);
    },
    error: (line) => {
      if (pending) process.stdout.write('\n');
      pending = false;
      console.error(line);
    },
    progress: (line) => {
      if (tty) {
        process.stdout.write(`\r${line}`);
        pending = true;
      } else if (/^\s*(\d+)%/.test(line) && Number(/(\d+)%/.exec(line)?.[1]) % 10 === 0) console.log(line);
    },
  });
}
