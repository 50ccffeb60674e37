/**
 * A handler whose own calls nest as deep as the request asks, for `npm run
 * bench:espruino`: how many levels of an app's own code fit between the
 * C stack chipweb takes under a handler and an ESP32's line.
 *
 * Never: add middleware (it measures a handler's own room).
 */
import { App } from '../src/index.ts';

const app = new App();
/** One call level per step: a function of one expression, as small as an app's helper gets. */
function nest(levels: number): number {
  return levels === 0 ? 0 : 1 + nest(levels - 1);
}
app.get('/nest/:levels', (c) => c.json({ levels: nest(Number(c.param('levels'))) }));

export default app;
