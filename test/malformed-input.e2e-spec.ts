import { DataSource } from 'typeorm';
import { MAX_JSON_DEPTH } from '../src/infrastructure/http/input-guard';
import { startTestApp, TestApp } from './support/test-app';
import {
  givenArrestRecord,
  givenClient,
  givenParticipant,
  givenWorld,
  World,
} from './support/workflow';

const PROBLEM = /^application\/problem\+json/;

/**
 * Inputs that once answered 500 (red team finding M2): each must be a 400 problem that
 * changes nothing, authenticated or not.
 */
describe('malformed input is a 400 problem, never a 500', () => {
  let t: TestApp;
  let w: World;
  let db: DataSource;
  const counts = async () =>
    (
      await db.query(
        `SELECT (SELECT count(*) FROM participants)::int AS participants,
                (SELECT count(*) FROM arrest_records)::int AS arrests,
                (SELECT count(*) FROM enrollments)::int AS enrollments`,
      )
    )[0] as Record<string, number>;

  beforeAll(async () => {
    t = await startTestApp();
    db = t.app.get(DataSource);
    w = await givenWorld(t);
  });
  afterAll(() => t.close());

  const expectBadRequest = (res: { status: number; headers: Record<string, string> }) => {
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toMatch(PROBLEM);
  };

  const objects = (depth: number) => '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);
  const arrays = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);

  describe('deeply nested JSON', () => {
    for (const depth of [MAX_JSON_DEPTH + 1, 5000, 100_000]) {
      for (const [shape, nested] of [
        ['objects', objects(depth)],
        ['arrays', arrays(depth)],
      ] as const) {
        it(`${shape} ${depth} deep: /auth/login, /auth/token and an authenticated write`, async () => {
          const before = await counts();
          const login = await t.http
            .post('/api/v1/auth/login')
            .set('content-type', 'application/json')
            .send(`{"email":"a@b.example","password":"whatever-password","x":${nested}}`);
          expectBadRequest(login);
          expect(login.body.errors).toEqual([expect.objectContaining({ field: 'body' })]);
          const token = await t.http
            .post('/api/v1/auth/token')
            .set('content-type', 'application/json')
            .send(`{"grant_type":"client_credentials","client_id":${nested}}`);
          // The token endpoint answers in RFC 6749 5.2 form, not as a problem.
          expect(token.status).toBe(400);
          expect(token.body.error).toBe('invalid_request');
          const write = await t.http
            .post('/api/v1/participants')
            .auth(w.coordinator.token, { type: 'bearer' })
            .set('Idempotency-Key', `nested-${shape}-${depth}`)
            .set('content-type', 'application/json')
            .send(`{"firstName":"A","lastName":"B","dateOfBirth":"2012-01-01","x":${nested}}`);
          expectBadRequest(write);
          expect(await counts()).toEqual(before);
        });
      }
    }

    it('accepts nesting up to the limit (the limit is not "no nesting")', async () => {
      const res = await t.http
        .post('/api/v1/auth/login')
        .set('content-type', 'application/json')
        .send(`{"email":"a@b.example","password":${objects(MAX_JSON_DEPTH - 1)}}`);
      // Parsed, then refused by validation (password must be a string), not by the limit.
      expect(res.status).toBe(400);
      expect(res.body.errors).not.toEqual([expect.objectContaining({ field: 'body' })]);
    });
  });

  describe('NUL characters', () => {
    it('in a text field of a JSON body', async () => {
      const before = await counts();
      const participant = await t.http
        .post('/api/v1/participants')
        .auth(w.coordinator.token, { type: 'bearer' })
        .send({ firstName: 'A\u0000', lastName: 'B', dateOfBirth: '2012-01-01' });
      expectBadRequest(participant);
      const p = await givenParticipant(t, w.coordinator.token);
      const arrest = await t.http
        .post(`/api/v1/participants/${p.id}/arrest-records`)
        .auth(w.coordinator.token, { type: 'bearer' })
        .send({
          arrestingAgencyId: w.police.id,
          bookingNumber: 'B\u0000',
          arrestedAt: new Date(Date.now() - 86400_000).toISOString(),
          charges: [{ code: 'PC\u0000' }],
        });
      expectBadRequest(arrest);
      expect((await counts()).arrests).toBe(before.arrests);
    });

    it('an escaped backslash followed by "u0000" is text, not NUL', async () => {
      const res = await t.http
        .post('/api/v1/participants')
        .auth(w.coordinator.token, { type: 'bearer' })
        .set('content-type', 'application/json')
        .send('{"firstName":"A\\\\u0000","lastName":"B","dateOfBirth":"2012-01-01"}');
      expect(res.status).toBe(201);
      expect(res.body.firstName).toBe('A\\u0000');
    });

    it('in a search or filter parameter', async () => {
      for (const url of [
        '/api/v1/participants?search=ab%00c',
        '/api/v1/enrollments?site=a%00b',
        '/api/v1/participants?search=a&x%00=1',
      ]) {
        const res = await t.http.get(url).auth(w.coordinator.token, { type: 'bearer' });
        expect({ url, status: res.status }).toEqual({ url, status: 400 });
        expect(res.headers['content-type']).toMatch(PROBLEM);
      }
    });

    it('in client_id or client_secret, as JSON or form', async () => {
      const client = await givenClient(t, w.admin, {
        agencyId: w.police.id,
        scopes: ['events:read'],
      });
      const json = await t.http.post('/api/v1/auth/token').send({
        grant_type: 'client_credentials',
        client_id: `${client.clientId}\u0000`,
        client_secret: client.clientSecret,
      });
      expect(json.status).toBe(400);
      const form = await t.http
        .post('/api/v1/auth/token')
        .type('form')
        .send(`grant_type=client_credentials&client_id=ab%00c&client_secret=x`);
      expect(form.status).toBe(400);
      const login = await t.http
        .post('/api/v1/auth/login')
        .send({ email: 'a\u0000@b.example', password: 'x\u0000yyyyyyyyyyyyy' });
      expect(login.status).toBe(400);
    });
  });

  describe('dates out of range', () => {
    it('a start date in year 9999 (or before 1900) is refused, not overflowed', async () => {
      const p = await givenParticipant(t, w.coordinator.token);
      const a = await givenArrestRecord(t, w.coordinator.token, p.id, w.police.id);
      const before = await counts();
      for (const startDate of ['9999-12-31', '9999-01-01', '2200-01-01', '1899-12-31']) {
        const res = await t.http
          .post('/api/v1/enrollments')
          .auth(w.coordinator.token, { type: 'bearer' })
          .send({ participantId: p.id, arrestRecordId: a.id, site: 'Compton', startDate });
        expect({ startDate, status: res.status }).toEqual({ startDate, status: 400 });
        expect(res.body.errors).toEqual([expect.objectContaining({ field: 'startDate' })]);
      }
      expect(await counts()).toEqual(before);
    });
  });
});
