import { adminToken, givenAgency, givenUser } from '../support/factories';
import { startTestApp, TestApp } from '../support/test-app';

const PROBLEM = /^application\/problem\+json/;

/**
 * OWASP API4:2023 Unrestricted Resource Consumption: every dimension a caller controls is
 * bounded, and each bound answers a problem before doing the work.
 */
describe('API4 resource consumption', () => {
  let t: TestApp;
  let admin: string;
  let provider: string;
  beforeAll(async () => {
    t = await startTestApp({ RATE_LIMIT_PER_MINUTE: '60' });
    admin = await adminToken(t);
    const agency = await givenAgency(t, admin, { kind: 'ngo', services: ['shelter'] });
    provider = (await givenUser(t, admin, { role: 'provider', agencyId: agency.id })).token;
  });
  afterAll(() => t.close());

  it('bounds the body (413), before authentication', async () => {
    const res = await t.http
      .post('/api/v1/participants')
      .set('content-type', 'application/json')
      .send(`{"firstName":"${'a'.repeat(2 * 1024 * 1024)}"}`);
    expect(res.status).toBe(413);
    expect(res.headers['content-type']).toMatch(PROBLEM);
  });

  it('bounds a batch at 1000 records (400)', async () => {
    const record = {
      milestoneId: '0f8e1c3a-5b7d-4e2f-8a9c-1d3e5f7a9b0c',
      sessionDate: '2026-01-01',
      status: 'present',
    };
    const res = await t.http
      .post('/api/v1/attendance/batch')
      .auth(provider, { type: 'bearer' })
      .send({ records: Array.from({ length: 1001 }, () => record) });
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual([expect.objectContaining({ field: 'records' })]);
  });

  it('bounds page sizes at 500 (400)', async () => {
    for (const limit of ['501', '100000', '-1', '0']) {
      const res = await t.http.get(`/api/v1/users?limit=${limit}`).auth(admin, { type: 'bearer' });
      expect({ limit, status: res.status }).toEqual({ limit, status: 400 });
    }
  });

  it('bounds JSON nesting (400), unauthenticated too', async () => {
    const nested = '['.repeat(10_000) + ']'.repeat(10_000);
    const res = await t.http
      .post('/api/v1/auth/login')
      .set('content-type', 'application/json')
      .send(`{"email":${nested}}`);
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toMatch(PROBLEM);
  });

  it('bounds the request rate per caller (429 with Retry-After)', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 61; i++) {
      statuses.push((await t.http.get('/api/v1/me').auth(provider, { type: 'bearer' })).status);
    }
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(1);
    const refused = await t.http.get('/api/v1/me').auth(provider, { type: 'bearer' }).expect(429);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(1);
  });
});
