/**
 * The smallest chipweb app with a small JSON route, for `npm run
 * bench:espruino`: the same answer as the Espruino `http` module script the
 * benchmark runs beside it ({"ok":true,"n":1}), and the variables in use at
 * /memory: chipweb's own footprint, without the dashboard's features.
 *
 * Never: add middleware; it is measured against a bare http handler.
 */
import { App } from '../src/index.ts';

const app = new App();
app.get('/json', (c) => c.json({ ok: true, n: 1 }));
// What chipweb itself takes on the board, for the benchmark's footprint row (process.memory() through the Platform).
app.get('/memory', (c) => {
  const memory = c.env.platform.memory();
  c.json({ used: memory.used, total: memory.total });
});

export default app;
