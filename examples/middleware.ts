import { App, basicAuth, bodyLimit, cors, health, logger, metrics, rateLimit, recovery, timeout } from 'chipweb';

// The built-in middleware stacked as a device's API would (docs/middleware.md).
// The board has no process.env: a secret is a constant of the build (or a
// value from the platform's store, read when the app starts).
const ADMIN_PASSWORD = 'change me';

const app = new App();
const log = logger({ size: 32 });
app.use(log, recovery(), timeout(2000), rateLimit({ rate: 5, burst: 10 }), cors());
app.get('/healthz', health());
app.get('/metrics', metrics());
app.get('/api/requests', log.handler); // the ring as JSON

// Behind the five above, two more: /admin/config's handler is the eighth of its chain.
const admin = app.group('/admin', basicAuth({ username: 'admin', password: ADMIN_PASSWORD, realm: 'device' }));
admin.post('/config', bodyLimit(512), (c) => c.json(c.bodyJson()));

export default app;
