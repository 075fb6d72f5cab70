import { adminToken, givenAgency, givenUser } from './support/factories';
import { startTestApp, TestApp } from './support/test-app';
import { givenParticipant, givenWorld, World } from './support/workflow';

describe('security headers and caching', () => {
  let t: TestApp;
  let w: World;
  beforeAll(async () => {
    t = await startTestApp();
    w = await givenWorld(t);
  });
  afterAll(() => t.close());

  it('sends Cache-Control: no-store on every authenticated answer, errors included', async () => {
    const participant = await givenParticipant(t, w.coordinator.token);
    const answers = await Promise.all([
      t.http
        .get(`/api/v1/participants/${participant.id}`)
        .auth(w.coordinator.token, { type: 'bearer' }),
      t.http.get('/api/v1/participants?search=Lopez').auth(w.coordinator.token, { type: 'bearer' }),
      t.http.get('/api/v1/me').auth(w.coordinator.token, { type: 'bearer' }),
      t.http
        .get('/api/v1/participants/0f8e1c3a-5b7d-4e2f-8a9c-1d3e5f7a9b0c')
        .auth(w.coordinator.token, { type: 'bearer' }),
      t.http.get('/api/v1/participants').auth('forged.token.here', { type: 'bearer' }),
      t.http.post('/api/v1/participants').auth(w.coordinator.token, { type: 'bearer' }).send({}),
    ]);
    expect(answers.map((res) => [res.status, res.headers['cache-control']])).toEqual([
      [200, 'no-store'],
      [200, 'no-store'],
      [200, 'no-store'],
      [404, 'no-store'],
      [401, 'no-store'],
      [400, 'no-store'],
    ]);
    // An anonymous probe is not forced to no-store.
    const live = await t.http.get('/health/live').expect(200);
    expect(live.headers['cache-control']).not.toBe('no-store');
  });

  it('sends helmet headers suited to an API', async () => {
    const res = await t.http.get('/api/v1/me').auth(w.admin, { type: 'bearer' }).expect(200);
    expect(res.headers).toMatchObject({
      'x-content-type-options': 'nosniff',
      'x-frame-options': 'SAMEORIGIN',
      'referrer-policy': 'no-referrer',
      'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
      'cross-origin-resource-policy': 'same-origin',
    });
    expect(res.headers['strict-transport-security']).toMatch(/max-age=\d+/);
    expect(res.headers['x-powered-by']).toBeUndefined();
  });

  it('sends the same helmet headers on every kind of answer: found, anonymous, unknown route, refused, invalid, docs', async () => {
    const helmetHeaders = (res: { headers: Record<string, unknown> }) => ({
      nosniff: res.headers['x-content-type-options'],
      frame: res.headers['x-frame-options'],
      referrer: res.headers['referrer-policy'],
      resource: res.headers['cross-origin-resource-policy'],
      opener: res.headers['cross-origin-opener-policy'],
      hsts: res.headers['strict-transport-security'],
    });
    const answers = await Promise.all([
      t.http.get('/api/v1/me').auth(w.admin, { type: 'bearer' }),
      t.http.get('/health/live'),
      t.http.get('/api/v1/no-such-route'),
      t.http.get('/api/v1/me').auth('forged.token.here', { type: 'bearer' }),
      t.http.post('/api/v1/participants').auth(w.coordinator.token, { type: 'bearer' }).send({}),
      t.http.get('/docs'),
    ]);
    expect(answers.map((res) => res.status)).toEqual([200, 200, 404, 401, 400, 200]);
    const expected = helmetHeaders(answers[0]);
    expect(expected).toEqual({
      nosniff: 'nosniff',
      frame: 'SAMEORIGIN',
      referrer: 'no-referrer',
      resource: 'same-origin',
      opener: 'same-origin',
      hsts: expect.stringMatching(/^max-age=\d+/) as unknown,
    });
    for (const res of answers) expect(helmetHeaders(res)).toEqual(expected);
  });

  it('answers no CORS header to a browser of another origin when no allow-list is set', async () => {
    const res = await t.http
      .get('/api/v1/me')
      .set('Origin', 'https://evil.example')
      .auth(w.admin, { type: 'bearer' })
      .expect(200);
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
    const preflight = await t.http
      .options('/api/v1/participants')
      .set('Origin', 'https://evil.example')
      .set('Access-Control-Request-Method', 'POST');
    expect(preflight.headers['access-control-allow-origin']).toBeUndefined();
  });
});

describe('CORS with an allow-list', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ CORS_ALLOWED_ORIGINS: 'https://console.example.org' });
  });
  afterAll(() => t.close());

  it('allows the listed origin only', async () => {
    const admin = await adminToken(t);
    const allowed = await t.http
      .get('/api/v1/me')
      .set('Origin', 'https://console.example.org')
      .auth(admin, { type: 'bearer' })
      .expect(200);
    expect(allowed.headers['access-control-allow-origin']).toBe('https://console.example.org');
    const other = await t.http
      .get('/api/v1/me')
      .set('Origin', 'https://evil.example')
      .auth(admin, { type: 'bearer' })
      .expect(200);
    expect(other.headers['access-control-allow-origin']).toBeUndefined();
  });
});

describe('global per-caller rate limit', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ RATE_LIMIT_PER_MINUTE: '20' });
  });
  afterAll(() => t.close());

  it('answers 429 with Retry-After past the limit, for that caller only', async () => {
    const admin = await adminToken(t);
    const agency = await givenAgency(t, admin, { kind: 'district_attorney' });
    const alice = await givenUser(t, admin, { role: 'coordinator', agencyId: agency.id });
    const bob = await givenUser(t, admin, { role: 'coordinator', agencyId: agency.id });
    const me = () => t.http.get('/api/v1/me').auth(alice.token, { type: 'bearer' });
    for (let i = 0; i < 20; i++) await me().expect(200);
    const refused = await me().expect(429);
    expect(refused.headers['content-type']).toMatch(/^application\/problem\+json/);
    const retryAfter = Number(refused.headers['retry-after']);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    // Another caller keeps its own budget.
    await t.http.get('/api/v1/me').auth(bob.token, { type: 'bearer' }).expect(200);
  });
});
