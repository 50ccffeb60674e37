/**
 * The hostile clients' attacks, for any server on 127.0.0.1 serving the
 * hostile app (./app.ts): the Node tests (./sockets.test.ts) and the
 * Espruino board's (test/espruino/engine/hostile.espruino.ts) run the same
 * ones. Each checks what every client heard; the caller checks the pool.
 * `atOnce` is how many clients connect at the same time.
 *
 * Never: connect anywhere but 127.0.0.1; time anything.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import * as net from 'node:net';
import { converse, GET, type Outcome } from './converse.ts';
import { arbPayload } from './fuzz-harness.ts';
import { parseResponses } from './responses.ts';

/** Runs `count` clients, `atOnce` at a time; their results in order. */
export async function inWaves<T>(count: number, atOnce: number, client: (i: number) => Promise<T>): Promise<T[]> {
  const all: T[] = [];
  for (let i = 0; i < count; i += atOnce)
    all.push(...(await Promise.all(Array.from({ length: Math.min(atOnce, count - i) }, (_, k) => client(i + k)))));
  return all;
}

/** A head that never ends, one byte at a time (a slowloris attacker sends these with a gap). */
export function slowHeadBytes(): Buffer[] {
  const head = 'GET / HTTP/1.1\r\nHost: d\r\nX-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n';
  return Array.from(Buffer.from(head, 'latin1'), (b) => Buffer.from([b]));
}

/**
 * `count` clients each ask once with Connection: close. Each gets one
 * answer, 200 or 503 (with Retry-After: 1), then the close, or a reset
 * before any answer. Returns the counts by status ('reset' for resets).
 */
export async function connectionStorm(
  port: number,
  count: number,
  atOnce: number,
  wait: number,
): Promise<Record<string, number>> {
  const outcomes = await inWaves(count, atOnce, () => converse(port, [GET('/', 'Connection: close\r\n')], { wait }));
  const counts: Record<string, number> = {};
  for (const o of outcomes) {
    const status = o.error === 'ECONNRESET' && o.text === '' ? 'reset' : o.text.slice(9, 12);
    counts[status] = (counts[status] ?? 0) + 1;
    if (status !== 'reset') {
      const parsed = parseResponses(o.text).responses;
      expect(parsed).to.have.length(1);
      expect([200, 503]).to.include(parsed[0].status);
      if (parsed[0].status === 503) expect(parsed[0].headers['retry-after']).to.equal('1');
    }
    expect(o.closed, JSON.stringify(o)).to.equal(true);
  }
  expect((counts['200'] ?? 0) + (counts['503'] ?? 0) + (counts.reset ?? 0)).to.equal(count);
  expect(counts['200']).to.be.greaterThan(0);
  return counts;
}

/** `count` clients each send two GETs on one connection; every answer is 200 or 503. Returns how many clients heard one. */
export async function keepAliveStorm(port: number, count: number, atOnce: number, wait: number): Promise<number> {
  const outcomes = await inWaves(count, atOnce, () => converse(port, [GET('/'), GET('/')], { gap: 30, wait }));
  let answered = 0;
  for (const o of outcomes) {
    const parsed = parseResponses(o.text, true).responses;
    for (const r of parsed) expect([200, 503]).to.include(r.status);
    if (parsed.length > 0) answered++;
  }
  return answered;
}

/**
 * Clients that vanish: `rounds` times one mid-head, one mid-body, one
 * during the async handler; then one that asks for /big, reads a little
 * and vanishes mid-response.
 */
export async function vanishingClients(port: number, rounds: number): Promise<void> {
  const cases: Promise<Outcome>[] = [];
  for (let i = 0; i < rounds; i++) {
    cases.push(converse(port, [Buffer.from('GET / HTTP/1.1\r\nHo', 'latin1')], { dropAfter: 1 })); // mid-head
    cases.push(
      converse(port, [Buffer.from('POST /echo HTTP/1.1\r\nHost: d\r\nContent-Length: 1000\r\n\r\nabc', 'latin1')], {
        dropAfter: 1,
      }),
    ); // mid-body
    cases.push(converse(port, [GET('/async')], { dropAfter: 1 })); // during the handler
  }
  await Promise.all(cases);
  await new Promise<void>((resolve) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.write(GET('/big')));
    socket.once('data', () => {
      socket.pause();
      setTimeout(() => {
        socket.destroy();
        resolve();
      }, 50);
    });
  });
}

/**
 * 40 fuzzed payloads (seed 7) in pieces, half of them dropped part way:
 * each one not dropped hears well-formed answers, then a close (within
 * `wait` ms of quiet: the server's timeouts must be shorter).
 */
export async function briefFuzz(port: number, atOnce: number, wait: number): Promise<void> {
  const samples = fc.sample(fc.tuple(arbPayload, fc.integer({ min: 1, max: 200 }), fc.boolean()), {
    numRuns: 40,
    seed: 7,
  });
  const outcomes = await inWaves(samples.length, atOnce, (i) => {
    const [payload, split, drop] = samples[i];
    const pieces: Buffer[] = [];
    for (let p = 0; p < payload.length; p += split) pieces.push(Buffer.from(payload.subarray(p, p + split)));
    if (pieces.length === 0) pieces.push(Buffer.alloc(0));
    const dropAfter = drop ? Math.max(1, pieces.length >> 1) : undefined;
    return converse(port, pieces, { gap: 5, wait, dropAfter }).then((o) => ({ o, drop }));
  });
  for (const { o, drop } of outcomes) {
    if (drop) continue;
    parseResponses(o.text, o.error !== null);
    expect(o.closed, o.text).to.equal(true); // every hostile-looking exchange ends in a close (timeouts included)
  }
}
