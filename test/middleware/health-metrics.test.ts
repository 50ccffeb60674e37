import { expect } from 'chai';
import { App } from '../../src/index.ts';
import { health, metrics, PROMETHEUS_TYPE } from '../../src/middleware/index.ts';
import { start } from './helpers.ts';

describe('middleware: health', () => {
  it('answers 200 ok, and HEAD without a body', async () => {
    const a = new App();
    a.get('/healthz', health());
    const b = await start(a);
    const res = await b.get('/healthz');
    expect(res.status).to.equal(200);
    expect(res.body).to.equal('ok\n');
    expect(res.headers['cache-control']).to.equal('no-store');
  });

  it('answers 503 with the reason when the check fails or throws', async () => {
    let state: boolean | string = true;
    const a = new App();
    a.get(
      '/healthz',
      health({
        check: () => {
          if (state === 'throw') throw new Error('sensor gone');
          return state;
        },
      }),
    );
    const b = await start(a);
    expect((await b.get('/healthz')).status).to.equal(200);
    state = 'wifi down';
    let res = await b.get('/healthz');
    expect(res.status).to.equal(503);
    expect(res.body).to.equal('unhealthy: wifi down\n');
    state = false;
    expect((await b.get('/healthz')).body).to.equal('unhealthy\n');
    state = 'throw';
    res = await b.get('/healthz');
    expect(res.status).to.equal(503);
    expect(res.body).to.equal('unhealthy: sensor gone\n');
  });
});

describe('middleware: metrics', () => {
  async function bench() {
    const a = new App();
    a.get('/', (c) => c.text('hi'));
    a.get('/metrics', metrics({ extra: () => ({ 'led-on': 1 }) }));
    return start(a);
  }

  it('answers JSON by default with the server counters', async () => {
    const b = await bench();
    await b.get('/');
    await b.get('/nope');
    const res = await b.get('/metrics');
    expect(res.headers['content-type']).to.equal('application/json');
    const m = JSON.parse(res.body);
    expect(m.requests).to.equal(3);
    expect(m.responses['2xx']).to.equal(1);
    expect(m.responses['4xx']).to.equal(1);
    expect(m.connections).to.equal(3);
    expect(m.slots).to.equal(4);
    expect(m.slotsInUse).to.equal(1);
    expect(m.memory).to.deep.equal({ used: 0, total: 0 });
    expect(m.extra).to.deep.equal({ 'led-on': 1 });
  });

  it('answers the Prometheus text format to Prometheus (Accept) and to ?format=prometheus', async () => {
    const b = await bench();
    await b.get('/');
    const res = await b.get(
      '/metrics',
      'Accept: application/openmetrics-text; version=1.0.0,text/plain;version=0.0.4;q=0.5,*/*;q=0.1\r\n',
    );
    expect(res.headers['content-type']).to.equal(PROMETHEUS_TYPE);
    expect(res.body).to.contain('# TYPE chipweb_requests_total counter\nchipweb_requests_total 2\n');
    expect(res.body).to.contain('chipweb_responses_total{class="2xx"} 1\n');
    expect(res.body).to.contain('chipweb_slots_in_use 1\n');
    expect(res.body).to.contain('chipweb_led_on 1\n');
    // Every line is a comment or `name{labels} value`.
    for (const line of res.body.trim().split('\n'))
      expect(line).to.match(/^(# (HELP|TYPE) \w+ .+|\w+(\{class="\dxx"\})? -?[\d.e+]+)$/);
    const q = await b.get('/metrics?format=prometheus');
    expect(q.headers['content-type']).to.equal(PROMETHEUS_TYPE);
    const browser = await b.get('/metrics', 'Accept: text/html,*/*\r\n');
    expect(browser.headers['content-type']).to.equal('application/json');
  });
});
