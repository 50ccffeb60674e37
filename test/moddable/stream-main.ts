/**
 * The app test:moddable runs for a WebSocket echo and streamed uploads
 * over real sockets in mcsim (run.ts, section 6), as an app module
 * `chipweb build` takes (its default export is the App):
 *
 *   ws   /echo     every message back as it came (text or binary)
 *   POST /upload   a streamed body (streamBody(), up to 1 MB), hashed
 *                  piece by piece with the core's SHA-256; answers
 *                  {"bytes": n, "sha256": "…"}
 *
 * Never: keep anything between requests (the harness checks that the heaps
 * come back to where they were); import Node or Moddable modules.
 */
import { App, bodyLimit, streamBody } from '../../src/index.ts';
import { toHex } from '../../src/crypto/hex.ts';
import { SHA256_BYTES, Sha256 } from '../../src/crypto/sha256.ts';

/** Largest upload /upload takes. */
export const MAX_UPLOAD = 1024 * 1024;

const app = new App();
app.ws('/echo', { message: (ws, msg) => ws.send(msg) });
app.post('/upload', bodyLimit(MAX_UPLOAD), streamBody(), async (c) => {
  // Made per upload, not at module load (typed arrays made there would be preloaded read-only).
  const hasher = new Sha256();
  let bytes = 0;
  await c.readBody((piece, start, end) => {
    hasher.update(piece, start, end);
    bytes += end - start;
  });
  const digest = new Uint8Array(SHA256_BYTES);
  hasher.digest(digest, 0);
  c.json({ bytes, sha256: toHex(digest, 0, SHA256_BYTES) });
});

export default app;
