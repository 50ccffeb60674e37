/**
 * The app bench:moddable runs beside Moddable's ECMA-419 HTTP server
 * example: the same answer for GET / (a 16-byte text body), and the
 * server's counters at /stats, so every 503 the server counted can be set
 * against the ones the clients received.
 *
 * Never: do more per request than the example does (the comparison is of
 * the servers, not of the handlers).
 */
import { App } from '../../src/index.ts';

const app = new App();
app.get('/', (c) => c.text('1 2 3 4 5 6 7 8\n'));
app.get('/stats', (c) => c.json(c.env.stats()));

export default app;
