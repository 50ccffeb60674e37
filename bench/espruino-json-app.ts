/**
 * The smallest chipweb app with a small JSON route, for `npm run
 * bench:espruino`: the same answer as the Espruino `http` module script the
 * benchmark runs beside it ({"ok":true,"n":1}).
 *
 * Never: add middleware; it is measured against a bare http handler.
 */
import { App } from '../src/index.ts';

const app = new App();
app.get('/json', (c) => c.json({ ok: true, n: 1 }));

export default app;
