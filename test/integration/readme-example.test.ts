/**
 * The README's example app is examples/app.ts, verbatim, and it serves what
 * the README says (type-checked by `npm test` too).
 */
import { expect } from 'chai';
import * as fs from 'node:fs';
import { simulate } from '../../host-sim/index.ts';
import app from '../../examples/app.ts';

describe('README example', () => {
  it('is examples/app.ts, verbatim', () => {
    const readme = fs.readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const example = fs.readFileSync(new URL('../../examples/app.ts', import.meta.url), 'utf8');
    expect(readme).to.contain('```ts\n' + example + '```');
  });

  it('serves its routes', async () => {
    const sim = await simulate(app, { port: 0, log: () => {} });
    try {
      const user = await fetch(`${sim.url}/users/7?fields=name`);
      expect(await user.json()).to.deep.equal({ id: '7', fields: 'name' });
      expect(user.headers.get('server-timing')).to.match(/^app;dur=/);
      const created = await fetch(`${sim.url}/users`, { method: 'POST', body: '{"name":"ada"}' });
      expect(created.status).to.equal(201);
      const invalid = await fetch(`${sim.url}/users`, { method: 'POST', body: '{}' });
      expect([invalid.status, await invalid.text()]).to.deep.equal([422, 'name is required\n']);
      const file = await fetch(`${sim.url}/files/a/b.txt`);
      expect(await file.text()).to.equal('you asked for /a/b.txt');
      const denied = await fetch(`${sim.url}/api/v1/led`);
      expect(denied.status).to.equal(401);
      const missing = await fetch(`${sim.url}/nope`);
      expect(await missing.json()).to.deep.equal({ error: 'no route for GET /nope' });
      expect(await (await fetch(`${sim.url}/slow`)).text()).to.equal('done');
    } finally {
      await sim.close(100);
    }
  });
});
