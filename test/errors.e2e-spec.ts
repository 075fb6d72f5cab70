import { adminToken } from './support/factories';
import { startTestApp, TestApp } from './support/test-app';

describe('problem details', () => {
  let t: TestApp;
  let admin: string;

  beforeAll(async () => {
    t = await startTestApp();
    admin = await adminToken(t);
  });
  afterAll(() => t.close());

  it('answers unknown routes with a 404 problem and a request id', async () => {
    const res = await t.http.get('/api/v1/no-such-thing').set('x-request-id', 'trace-abc-123').expect(404);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.headers['x-request-id']).toBe('trace-abc-123');
    expect(res.body).toMatchObject({ status: 404, title: 'Not found', instance: '/api/v1/no-such-thing' });
  });

  it('rejects malformed JSON with a 400 problem and writes nothing', async () => {
    const res = await t.http
      .post('/api/v1/agencies')
      .auth(admin, { type: 'bearer' })
      .set('content-type', 'application/json')
      .send('{"name": "Broken",')
      .expect(400);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.body.status).toBe(400);
    const list = await t.http.get('/api/v1/agencies').auth(admin, { type: 'bearer' }).expect(200);
    expect(list.body.items.map((a: { name: string }) => a.name)).not.toContain('Broken');
  });

  it('rejects a 2 MiB body with 413', async () => {
    const res = await t.http
      .post('/api/v1/agencies')
      .auth(admin, { type: 'bearer' })
      .set('content-type', 'application/json')
      .send(JSON.stringify({ name: 'x'.repeat(2 * 1024 * 1024), kind: 'ngo' }))
      .expect(413);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  });
});
