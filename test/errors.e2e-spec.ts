import { DataSource } from 'typeorm';
import { adminToken } from './support/factories';
import { startTestApp, TestApp } from './support/test-app';

const PROBLEM = /^application\/problem\+json/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe('problem details', () => {
  let t: TestApp;
  let db: DataSource;
  let admin: string;

  const agencyCount = async () => {
    const [row] = await db.query(`SELECT count(*)::int AS n FROM agencies`);
    return row.n as number;
  };

  beforeAll(async () => {
    t = await startTestApp();
    db = t.app.get(DataSource);
    admin = await adminToken(t);
  });
  afterAll(() => t.close());

  it('answers unknown routes with a 404 problem and a request id', async () => {
    const res = await t.http
      .get('/api/v1/no-such-thing')
      .set('x-request-id', 'trace-abc-123')
      .expect(404);
    expect(res.headers['content-type']).toMatch(PROBLEM);
    expect(res.headers['x-request-id']).toBe('trace-abc-123');
    expect(res.body).toMatchObject({
      type: 'urn:problem-type:first-step:not-found',
      status: 404,
      title: 'Not found',
      instance: '/api/v1/no-such-thing',
      requestId: 'trace-abc-123',
    });
  });

  it('answers a path outside the API prefix with a 404 problem too', async () => {
    const res = await t.http.get('/agencies').expect(404);
    expect(res.headers['content-type']).toMatch(PROBLEM);
  });

  describe('x-request-id', () => {
    it('echoes a given id on a successful response', async () => {
      const res = await t.http
        .get('/health/live')
        .set('x-request-id', 'partner-call-42')
        .expect(200);
      expect(res.headers['x-request-id']).toBe('partner-call-42');
    });

    it('generates a fresh uuid when none is given, different for every request', async () => {
      const one = await t.http.get('/health/live').expect(200);
      const two = await t.http.get('/health/live').expect(200);
      expect(one.headers['x-request-id']).toMatch(UUID);
      expect(two.headers['x-request-id']).toMatch(UUID);
      expect(two.headers['x-request-id']).not.toBe(one.headers['x-request-id']);
    });

    it('replaces an unsafe id instead of echoing it', async () => {
      for (const unsafe of ['<script>alert(1)</script>', 'x'.repeat(200), 'two words']) {
        const res = await t.http.get('/health/live').set('x-request-id', unsafe).expect(200);
        expect(res.headers['x-request-id']).toMatch(UUID);
      }
    });

    it('puts the same id in the problem body and the header', async () => {
      const res = await t.http.get('/api/v1/me').expect(401);
      expect(res.body.requestId).toBe(res.headers['x-request-id']);
      expect(res.body.requestId).toMatch(UUID);
    });
  });

  it('rejects malformed JSON with a 400 problem and writes nothing', async () => {
    const before = await agencyCount();
    const res = await t.http
      .post('/api/v1/agencies')
      .auth(admin, { type: 'bearer' })
      .set('content-type', 'application/json')
      .send('{"name": "Broken", "kind": "ngo"')
      .expect(400);
    expect(res.headers['content-type']).toMatch(PROBLEM);
    expect(res.body).toMatchObject({
      status: 400,
      type: 'urn:problem-type:first-step:malformed-request',
    });
    expect(JSON.stringify(res.body)).not.toMatch(/Unexpected|position|SyntaxError/);
    expect(await agencyCount()).toBe(before);
  });

  it('rejects a JSON body that tries prototype pollution with 400', async () => {
    const before = await agencyCount();
    const res = await t.http
      .post('/api/v1/agencies')
      .auth(admin, { type: 'bearer' })
      .set('content-type', 'application/json')
      .send('{"name": "Polluter", "kind": "ngo", "__proto__": {"isAdmin": true}}')
      .expect(400);
    expect(res.headers['content-type']).toMatch(PROBLEM);
    expect(await agencyCount()).toBe(before);
  });

  it('rejects an empty JSON body with a 400 problem', async () => {
    const res = await t.http
      .post('/api/v1/agencies')
      .auth(admin, { type: 'bearer' })
      .set('content-type', 'application/json')
      .send('')
      .expect(400);
    expect(res.headers['content-type']).toMatch(PROBLEM);
  });

  it('rejects a body it cannot read with a 415 problem', async () => {
    const before = await agencyCount();
    const res = await t.http
      .post('/api/v1/agencies')
      .auth(admin, { type: 'bearer' })
      .set('content-type', 'text/csv')
      .send('name,kind\nCSV Agency,ngo')
      .expect(415);
    expect(res.headers['content-type']).toMatch(PROBLEM);
    expect(res.body).toMatchObject({ status: 415 });
    expect(await agencyCount()).toBe(before);
  });

  it('rejects a 2 MiB body with 413 and writes nothing', async () => {
    const before = await agencyCount();
    const res = await t.http
      .post('/api/v1/agencies')
      .auth(admin, { type: 'bearer' })
      .set('content-type', 'application/json')
      .send(JSON.stringify({ name: 'x'.repeat(2 * 1024 * 1024), kind: 'ngo' }))
      .expect(413);
    expect(res.headers['content-type']).toMatch(PROBLEM);
    expect(res.body).toMatchObject({
      status: 413,
      type: 'urn:problem-type:first-step:payload-too-large',
      instance: '/api/v1/agencies',
    });
    expect(await agencyCount()).toBe(before);
  });

  it('rejects a 2 MiB body with 413 before authenticating', async () => {
    const res = await t.http
      .post('/api/v1/auth/login')
      .set('content-type', 'application/json')
      .send(JSON.stringify({ email: 'a@b.test', password: 'x'.repeat(2 * 1024 * 1024) }))
      .expect(413);
    expect(res.headers['content-type']).toMatch(PROBLEM);
  });

  it('answers an unexpected failure with a generic 500 and leaks no SQL, stack or names', async () => {
    // Break the schema under the running app, then put it back.
    await db.query(`ALTER TABLE agencies RENAME TO agencies_hidden`);
    let res;
    try {
      res = await t.http
        .get('/api/v1/agencies')
        .auth(admin, { type: 'bearer' })
        .set('x-request-id', 'boom-1');
    } finally {
      await db.query(`ALTER TABLE agencies_hidden RENAME TO agencies`);
    }
    expect(res.status).toBe(500);
    expect(res.headers['content-type']).toMatch(PROBLEM);
    expect(res.body).toEqual({
      type: 'urn:problem-type:first-step:internal',
      title: 'An unexpected error occurred',
      status: 500,
      instance: '/api/v1/agencies',
      requestId: 'boom-1',
    });
    expect(res.text).not.toMatch(/agencies_hidden|relation|SELECT|does not exist|\.ts:\d+/i);
  });
});
