/**
 * The default firmware app: a small home page and the status API. The
 * device dashboard grows from here.
 *
 * Never: allocate per request beyond the JSON a handler returns.
 */
import { App } from 'chipweb';

const app = new App();

const HOME = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>chipweb</title></head>
<body><h1>chipweb</h1><p>This device is running chipweb. Status: <a href="/api/status">/api/status</a></p></body></html>
`;

app.get('/', (c) => c.html(HOME));

app.get('/api/status', (c) => {
  const stats = c.env.stats();
  const memory = c.env.platform.memory();
  c.json({
    uptime: Math.round(stats.uptime),
    requests: stats.requests,
    errors: stats.errors,
    responses: { '2xx': stats.responses[2], '3xx': stats.responses[3], '4xx': stats.responses[4], '5xx': stats.responses[5] },
    pool: { slots: stats.slots, inUse: stats.slotsInUse, highWater: stats.slotsHighWater, slotBytes: stats.slotBytes },
    rejected: stats.rejected,
    memory: { used: memory.used, total: memory.total },
  });
});

export default app;
