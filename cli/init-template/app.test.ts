// Tests of the app, in memory: request() sends each request through
// chipweb's real parser, router and response writer, with no socket.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { request } from 'chipweb/host-sim';
import app from './app.ts';

test('GET /users/:id answers JSON with the param', async () => {
  const res = await request(app, 'GET /users/7?fields=name');
  assert.equal(res.status, 200);
  assert.deepEqual(res.json(), { id: '7', fields: 'name' });
});

test('POST /users creates, and says what is missing', async () => {
  const created = await request(app, 'POST /users', { json: { name: 'ada' } });
  assert.equal(created.status, 201);
  const invalid = await request(app, 'POST /users', { json: {} });
  assert.equal(invalid.status, 422);
  assert.equal(invalid.text(), 'name is required\n');
});

test('the API group needs its token', async () => {
  assert.equal((await request(app, 'GET /api/v1/led')).status, 401);
  const led = await request(app, 'GET /api/v1/led', { headers: { Authorization: 'Bearer secret' } });
  assert.deepEqual(led.json(), { on: false });
});
