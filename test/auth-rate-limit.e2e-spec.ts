import { startTestApp, TestApp } from './support/test-app';

/** Its own app: the per-IP limit is lowered to 3 requests a minute for this file only. */
/** A standard Retry-After (RFC 9110 10.2.3: whole seconds), and no per-throttler variant. */
function expectRetryAfter(res: { headers: Record<string, string> }): void {
  expect(res.headers['retry-after']).toMatch(/^[1-9]\d*$/);
  expect(Number(res.headers['retry-after'])).toBeLessThanOrEqual(60);
  expect(Object.keys(res.headers).filter((name) => /retry-after-|ratelimit/i.test(name))).toEqual(
    [],
  );
}

describe('sign-in rate limits', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ AUTH_RATE_LIMIT_PER_MINUTE: '3' });
  });
  afterAll(() => t.close());

  const expectRateLimited = (res: {
    headers: Record<string, string>;
    body: Record<string, unknown>;
  }) => {
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.body).toMatchObject({
      status: 429,
      type: 'urn:problem-type:first-step:too-many-requests',
      instance: expect.stringMatching(/^\/api\/v1\/auth\//),
    });
    expect(res.body.accessToken).toBeUndefined();
    expect(res.body.access_token).toBeUndefined();
    expectRetryAfter(res);
  };

  it('answers 429 on the 4th login from one IP within a minute, whatever the email', async () => {
    for (let i = 0; i < 3; i++) {
      await t.http
        .post('/api/v1/auth/login')
        .send({ email: `someone-${i}@example.test`, password: 'whatever password' })
        .expect(401);
    }
    const res = await t.http
      .post('/api/v1/auth/login')
      .send({ email: 'someone-else@example.test', password: 'whatever password' })
      .expect(429);
    expectRateLimited(res);
  });

  it('limits the token endpoint on its own counter', async () => {
    for (let i = 0; i < 3; i++) {
      const res = await t.http
        .post('/api/v1/auth/token')
        .send({ grant_type: 'client_credentials', client_id: `fsc_${i}`, client_secret: 'nope' })
        .expect(401);
      expect(res.body.error).toBe('invalid_client');
    }
    const res = await t.http
      .post('/api/v1/auth/token')
      .send({ grant_type: 'client_credentials', client_id: 'fsc_other', client_secret: 'nope' })
      .expect(429);
    // The token endpoint answers the OAuth way (RFC 6749 5.2), slow_down as in RFC 8628 3.5.
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.body).toEqual({ error: 'slow_down', error_description: expect.any(String) });
    expectRetryAfter(res);
  });

  it('does not rate-limit the rest of the API', async () => {
    for (let i = 0; i < 6; i++) await t.http.get('/api/v1/me').expect(401);
    await t.http.get('/health/live').expect(200);
  });
});
