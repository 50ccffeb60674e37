/**
 * The app every host runs for the shared conformance cases (Node memory
 * platform, Node sockets, XS, the Moddable platform on XS).
 *
 * Never: depend on a host: it is bundled into XS as it is.
 */
import { App, HttpError } from '../../src/index.ts';

/** Size of the body /big answers with: several output buffers and send buffers. */
export const BIG_BODY_LENGTH = 20000;

/** Builds the conformance app. */
export function conformanceApp(): App {
  const app = new App();
  app.get('/', (c) => c.text('hello'));
  app.get('/users/new', (c) => c.text('new user form'));
  app.get('/users/:id', (c) => c.json({ id: c.param('id') }));
  app.put('/users/:id', (c) => c.text('updated ' + c.param('id')));
  app.delete('/users/:id', (c) => c.empty());
  app.get('/files/*path', (c) => c.text(c.param('path')));
  app.get('/dir/', (c) => c.text('dir'));
  app.post('/form/', (c) => c.text('posted'));
  app.get('/query', (c) => c.text(c.query('q') ?? 'none'));
  app.get('/header', (c) => c.text(c.header('x-test') ?? 'none'));
  app.post('/echo', (c) => c.send(c.body(), 'application/octet-stream'));
  app.get('/throw', () => {
    throw new Error('boom');
  });
  app.get('/teapot', () => {
    throw new HttpError(418, 'short and stout');
  });
  app.get('/async', async (c) => {
    await Promise.resolve();
    c.text('later');
  });
  app.get('/headers', (c) => {
    c.setHeader('X-One', '1').setHeader('Cache-Control', 'no-store');
    c.text('h', 201);
  });
  app.get('/redirect', (c) => c.redirect('/'));
  app.get('/big', (c) => {
    let s = '';
    for (let i = 0; i < BIG_BODY_LENGTH / 10; i++) s += '0123456789';
    c.text(s);
  });
  app.get('/utf8', (c) => c.text('grüße ✓ 😀'));
  const api = app.group('/api', (c) => {
    c.setHeader('X-Api', 'yes');
    return c.next();
  });
  api.get('/ping', (c) => c.json({ pong: true }));
  // WebSocket routes: an echo (with a subprotocol), params kept for the whole connection, a server-side
  // close, and a group whose middleware must pass before the upgrade.
  app.ws('/ws', { message: (ws, msg) => ws.send(msg), protocols: ['chat'] });
  app.ws('/ws/rooms/:room', {
    open: (ws) => ws.send('room ' + ws.param('room')),
    message: (ws, msg) => ws.send(ws.param('room') + ': ' + msg.text()),
  });
  app.ws('/ws/bye', { message: (ws) => ws.close(4000, 'bye') });
  const locked = app.group('/locked', (c) =>
    c.header('authorization') === 'Bearer ok' ? c.next() : c.text('no\n', 401),
  );
  locked.ws('/ws', { message: (ws, msg) => ws.send(msg) });
  return app;
}
