/**
 * The small JSON route of bench/espruino-json-app.ts with two routes for
 * `npm run profile:espruino`: /__profile/zero clears the statement
 * counters the profiler's instrumentation keeps, /__profile/dump prints
 * them. Never: serve anything else.
 */
import { App } from '../src/index.ts';

/** The hooks the instrumented boot code defines. */
const hooks = globalThis as unknown as { __profileZero(): void; __profileDump(): void };

const app = new App();
app.get('/json', (c) => c.json({ ok: true, n: 1 }));
app.get('/__profile/zero', (c) => {
  hooks.__profileZero();
  c.text('zeroed');
});
app.get('/__profile/dump', (c) => {
  hooks.__profileDump();
  c.text('dumped');
});

export default app;
