/**
 * `npm run bench:upload`: streamed request bodies (streamBody() +
 * c.readBody()) and the over-the-air update route.
 *
 *   XS (@agoric/xsnap): heap slots each 1,460-byte piece leaves behind (target
 *   0) and MB/s inside XS, for the server's streaming path with a SHA-256,
 *   and for the whole OTA path (OtaSession: SHA-256 + target).
 *   Host: MB/s of a 3 MB image through the default app's POST /api/update
 *   over a real socket on 127.0.0.1 (Node platform, lwIP-sized send buffer).
 *
 * Never: time anything but the transfer.
 */
import { createHash, randomBytes } from 'node:crypto';
import * as net from 'node:net';
import { join } from 'node:path';
import { createDashboard } from '../firmware/app/main.ts';
import { ADMIN_PASSWORD_KEY } from '../firmware/app/update.ts';
import { MemoryOtaTarget } from '../host-sim/ota-memory.ts';
import { simulate } from '../host-sim/simulate.ts';
import { bundleForXs, REPO_ROOT } from '../host-sim/xs/bundle.ts';
import { slotsPerCommand } from '../host-sim/xs/measure.ts';
import { XsWorker } from '../host-sim/xs/worker.ts';

const MB = 1024 * 1024;

async function onXs(): Promise<void> {
  const { code } = await bundleForXs(join(REPO_ROOT, 'bench', 'xs-upload-entry.ts'));
  const worker = await XsWorker.start();
  try {
    await worker.evaluate(code);
    const piece = await worker.evaluateJson<number>('uploadBench.piece');
    for (const [kind, name] of [
      [0, 'streamed body + SHA-256 (/hash)'],
      [1, 'OTA path: OtaSession, SHA-256, target (/update)'],
    ] as const) {
      await worker.command(Uint8Array.of(111, kind)); // open
      await worker.command(Uint8Array.of(110, 200, 0, 0)); // warm up: 200 pieces
      const slots = await slotsPerCommand(worker, Uint8Array.of(112), Uint8Array.of(113), {
        times: 50,
        repeat: 3,
      });
      const count = 2000;
      const ms = await worker.evaluateJson<number>(`uploadBench.time(${count})`);
      const rate = (count * piece) / MB / (ms / 1000);
      console.log(
        `  ${name.padEnd(48)} ${String(slots.slots).padStart(3)} slots per piece (runs ${slots.runs.join(', ')})   ${rate.toFixed(2)} MB/s in XS`,
      );
    }
  } finally {
    await worker.close();
  }
}

async function onHost(): Promise<void> {
  const image = randomBytes(3 * MB);
  const sha = createHash('sha256').update(image).digest('hex');
  const ota = new MemoryOtaTarget({ capacity: 16 * MB });
  const sim = await simulate(createDashboard(), {
    port: 0,
    slots: 6,
    slotSize: 2048,
    outputSize: 1024,
    ota,
    log: () => {},
  });
  sim.platform.storeSet(ADMIN_PASSWORD_KEY, 'bench password');
  const auth = Buffer.from('admin:bench password').toString('base64');
  try {
    let best = 0;
    for (let round = 0; round < 3; round++) {
      const t0 = performance.now();
      const answer = await new Promise<string>((resolve, reject) => {
        const socket = net.connect(sim.port, '127.0.0.1');
        let text = '';
        socket.on('data', (d) => {
          text += d.toString('latin1');
        });
        socket.on('error', reject);
        socket.on('close', () => resolve(text));
        socket.write(
          `POST /api/update HTTP/1.1\r\nHost: chipweb.local\r\nAuthorization: Basic ${auth}\r\n` +
            `X-Image-SHA256: ${sha}\r\nContent-Length: ${image.length}\r\nConnection: close\r\n\r\n`,
        );
        socket.end(image);
      });
      const seconds = (performance.now() - t0) / 1000;
      if (!answer.startsWith('HTTP/1.1 200 ')) throw new Error(`upload failed: ${answer.slice(0, 200)}`);
      best = Math.max(best, image.length / MB / seconds);
    }
    console.log(`  3 MB image through POST /api/update over 127.0.0.1 (best of 3): ${best.toFixed(1)} MB/s`);
  } finally {
    await sim.close(100);
  }
}

console.log(`chipweb streamed uploads, ${new Date().toISOString().slice(0, 10)}, Node ${process.version}`);
console.log('XS (xsnap), 1,460-byte pieces (one TCP segment each):');
await onXs();
console.log('host (V8, the Node simulator):');
await onHost();
