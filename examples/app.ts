import { App, HttpError } from 'chipweb';

const app = new App();

// Middleware: runs around everything registered after it (as in Gin), and
// around the 404/405 handlers.
app.use(async (c) => {
  const started = c.env.platform.now();
  await c.next();
  c.setHeader('Server-Timing', `app;dur=${(c.env.platform.now() - started).toFixed(1)}`);
});

app.get('/', (c) => c.html('<h1>Hello from the board</h1>'));

// `:id` types c.param('id'); c.param('name') would not compile here.
app.get('/users/:id', (c) => c.json({ id: c.param('id'), fields: c.query('fields') ?? 'all' }));

app.post('/users', (c) => {
  const user = c.bodyJson<{ name?: string }>(['name']); // 400 on bad JSON; on XS only `name` is kept
  if (!user.name) throw new HttpError(422, 'name is required');
  c.json({ created: user.name }, 201);
});

app.get('/files/*path', (c) => c.text(`you asked for ${c.param('path')}`));

const api = app.group('/api/v1', (c) => {
  // groups nest and inherit middleware
  if (c.header('authorization') !== 'Bearer secret') return c.text('no', 401);
  return c.next();
});
api.get('/led', (c) => c.json({ on: c.env.device?.led() ?? false }));
api.put('/led', (c) => {
  c.env.device?.setLed(c.query('on') === '1');
  c.empty(); // 204
});

app.get('/slow', async (c) => {
  // handlers may be async
  await new Promise((resolve) => c.env.platform.setTimer(() => resolve(undefined), 100, false));
  c.text('done');
});

app.notFound((c) => c.json({ error: `no route for ${c.method} ${c.path}` }, 404));
app.onError((error, c) => c.json({ error: String(error) }, 500));

export default app;
