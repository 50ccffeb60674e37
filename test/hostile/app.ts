/**
 * The app the hostile tests attack, on Node and on Espruino: a small
 * answer, a large one, a slow async handler, an echo of the body, and a
 * catch-all route, behind recovery().
 *
 * Never: use a host's timers (an Espruino build refuses them): the
 * platform's.
 */
import { App } from '../../src/index.ts';
import { recovery } from '../../src/middleware/index.ts';

/** The hostile app; `/big` answers `bigBytes` bytes (an Espruino board holds far less than Node). */
export function hostileApp(bigBytes = 200000): App {
  const app = new App();
  app.use(recovery({ log: false }));
  app.get('/', (c) => c.text('hello'));
  app.get('/big', (c) => c.text('y'.repeat(bigBytes)));
  app.get('/async', async (c) => {
    await new Promise<void>((resolve) => c.env.platform.setTimer(resolve, 100, false));
    c.text('later');
  });
  app.post('/echo', (c) => c.send(c.body(), 'application/octet-stream'));
  app.all('/any/*rest', (c) => c.text('any'));
  return app;
}
