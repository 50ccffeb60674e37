/**
 * npm run bench:http [-- seconds connections rounds]: HTTP throughput of chipweb
 * in the simulator against node:http, Fastify, Hono (@hono/node-server)
 * and Express, in one run, on the same two routes (keep-alive hello world,
 * and a param route). Each server runs in its own child process
 * (bench/http-server.ts), autocannon runs here, one server at a time, with
 * the same settings: N connections, pipelining 1, a 1 s warm-up, then
 * `seconds` measured (default 5). With `rounds` > 1 (default 2) the whole
 * sequence repeats and each figure is the best round's (req/s, with that
 * round's p99): on a shared machine, other work only ever makes a round
 * slower, so the best round is the least disturbed one. The load average
 * is printed before and after.
 *
 * Prints requests/s, p99 latency and the ratio chipweb/peer per route.
 *
 * Never: run two servers at once; never compare figures from different runs.
 */
import { startServer, stopServer } from './child-server.ts';
import * as os from 'node:os';
import { peer } from './peers.ts';

/** The little of autocannon's API used here (it ships no types). */
interface AutocannonResult {
  requests: { average: number };
  latency: { p99: number };
  errors: number;
  timeouts: number;
  non2xx: number;
}
type Autocannon = (
  options: { url: string; connections: number; pipelining: number; duration: number },
  done: (error: Error | null, result: AutocannonResult) => void,
) => unknown;
const autocannon = (await peer<{ default: Autocannon }>('autocannon')).default;

const seconds = Number(process.argv[2] ?? 5);
const connections = Number(process.argv[3] ?? 32);
const rounds = Number(process.argv[4] ?? 2);
const SERVERS = ['chipweb', 'node', 'fastify', 'hono', 'express'];
const ROUTES = [
  { name: 'hello world (GET /)', path: '/', expect: 'Hello World!' },
  { name: 'param (GET /users/:id)', path: '/users/12345', expect: 'User 12345' },
];

interface Result {
  rps: number;
  p99: number;
  errors: number;
  non2xx: number;
}

function load(url: string, duration: number): Promise<Result> {
  return new Promise((resolve, reject) => {
    autocannon({ url, connections, pipelining: 1, duration }, (error, r) => {
      if (error) return reject(error);
      resolve({ rps: r.requests.average, p99: r.latency.p99, errors: r.errors + r.timeouts, non2xx: r.non2xx });
    });
  });
}

const results: { [server: string]: Result[] } = {};
let port = 18080 + (process.pid % 1000);
console.log(
  `bench:http — ${connections} connections, pipelining 1, 1 s warm-up + ${seconds} s per route and server, best of ${rounds} rounds`,
);
console.log(
  `machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'unknown CPU'}, Node ${process.version}, ${new Date().toISOString().slice(0, 10)}; load average ${os
    .loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')}`,
);
for (let round = 1; round <= rounds; round++) {
  for (const kind of SERVERS) {
    const child = await startServer('http-server.ts', kind, ++port);
    try {
      if (!results[kind]) results[kind] = [];
      for (let i = 0; i < ROUTES.length; i++) {
        const route = ROUTES[i];
        const url = `http://127.0.0.1:${port}${route.path}`;
        const body = await (await fetch(url)).text();
        if (body !== route.expect) throw new Error(`${kind} answered ${JSON.stringify(body)} on ${route.path}`);
        await load(url, 1);
        const r = await load(url, seconds);
        if (results[kind][i] === undefined || r.rps > results[kind][i].rps) results[kind][i] = r;
        console.log(
          `  round ${round} ${kind.padEnd(8)} ${route.path.padEnd(13)} ${Math.round(r.rps).toLocaleString('en-US').padStart(8)} req/s  p99 ${r.p99} ms${r.errors || r.non2xx ? `  (${r.errors} errors, ${r.non2xx} non-2xx)` : ''}`,
        );
      }
    } finally {
      await stopServer(child);
    }
  }
}
console.log(
  `load average after: ${os
    .loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')}`,
);

console.log('');
for (let i = 0; i < ROUTES.length; i++) {
  console.log(`${ROUTES[i].name}`);
  console.log('| server | req/s | p99 (ms) | chipweb / server |');
  console.log('|---|--:|--:|--:|');
  const mine = results.chipweb[i].rps;
  for (const kind of SERVERS) {
    const r = results[kind][i];
    const ratio = kind === 'chipweb' ? '—' : `${(mine / r.rps).toFixed(2)}x`;
    console.log(`| ${kind} | ${Math.round(r.rps).toLocaleString('en-US')} | ${r.p99} | ${ratio} |`);
  }
  console.log('');
}
const hello = results.chipweb[0].rps / results.fastify[0].rps;
console.log(
  `target (keep-alive hello world at least Fastify's throughput): ${hello >= 1 ? 'met' : 'MISSED'} (${hello.toFixed(2)}x)`,
);
