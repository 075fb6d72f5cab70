import { DataSource } from 'typeorm';
import { adminToken, givenAgency, GivenAgency, givenClient, givenUser } from './support/factories';
import { UNKNOWN_ID, expectProblem } from './support/http';
import { startTestApp, TestApp } from './support/test-app';
import { testServerUrl, createDatabaseFromTemplate } from './support/test-database';

const TTL_MS = 500;
const OVERLAP_SECONDS = 2;

/** Polls until `check` holds, for at most `ms` (the promise under test is "within seconds"). */
async function eventually(check: () => Promise<boolean>, ms: number): Promise<number> {
  const started = Date.now();
  while (!(await check())) {
    if (Date.now() - started > ms) throw new Error(`still not true after ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return Date.now() - started;
}

const SECRET_LIKE = /hash|secret_hash|argon|\$argon2|fss_/i;

describe('accounts: users and API clients over their lifetime', () => {
  let t: TestApp;
  let admin: string;
  let da: GivenAgency;
  let police: GivenAgency;

  const as = (token: string) => ({
    get: (url: string) => t.http.get(url).auth(token, { type: 'bearer' }),
    patch: (url: string, body: object, ifMatch?: string) => {
      const req = t.http.patch(url).auth(token, { type: 'bearer' });
      if (ifMatch) void req.set('if-match', ifMatch);
      return req.send(body);
    },
    post: (url: string, body: object = {}) =>
      t.http.post(url).auth(token, { type: 'bearer' }).send(body),
  });
  const me = (token: string) => t.http.get('/api/v1/me').auth(token, { type: 'bearer' });
  const tokenWith = (clientId: string, clientSecret: string) =>
    t.http
      .post('/api/v1/auth/token')
      .send({ grant_type: 'client_credentials', client_id: clientId, client_secret: clientSecret });

  beforeAll(async () => {
    t = await startTestApp({
      PRINCIPAL_STATUS_TTL_MS: String(TTL_MS),
      CLIENT_SECRET_ROTATION_OVERLAP_SECONDS: String(OVERLAP_SECONDS),
    });
    admin = await adminToken(t);
    da = await givenAgency(t, admin, { kind: 'district_attorney' });
    police = await givenAgency(t, admin, { kind: 'law_enforcement' });
  });
  afterAll(() => t.close());

  describe('users', () => {
    it('lists users keyset-paginated, each once, without any hash', async () => {
      for (let i = 0; i < 3; i++)
        await givenUser(t, admin, { role: 'coordinator', agencyId: da.id });
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const res: { body: { items: { id: string }[]; nextCursor: string | null }; text: string } =
          await as(admin)
            .get(`/api/v1/users?limit=2${cursor ? `&cursor=${cursor}` : ''}`)
            .expect(200);
        expect(res.body.items.length).toBeLessThanOrEqual(2);
        expect(res.text).not.toMatch(SECRET_LIKE);
        seen.push(...res.body.items.map((u) => u.id));
        cursor = res.body.nextCursor;
      } while (cursor);
      const [{ n }] = await t.app.get(DataSource).query(`SELECT count(*)::int AS n FROM users`);
      expect(seen).toHaveLength(n);
      expect(new Set(seen).size).toBe(n);
    });

    it('answers 400 on a forged cursor, 403 to anyone but an admin', async () => {
      const forged = Buffer.from(JSON.stringify(['2026-01-01', "1' OR 1=1"])).toString('base64url');
      const res = await as(admin).get(`/api/v1/users?cursor=${forged}`).expect(400);
      expect(res.body.errors).toEqual([{ field: 'cursor', message: expect.any(String) }]);
      const auditor = await givenUser(t, admin, { role: 'auditor', agencyId: da.id });
      await as(auditor.token).get('/api/v1/users').expect(403);
      await as(auditor.token).get(`/api/v1/users/${auditor.id}`).expect(403);
      await as(auditor.token)
        .patch(`/api/v1/users/${auditor.id}`, { role: 'admin' }, '"1"')
        .expect(403);
    });

    it('reads a user with an ETag; PATCH needs If-Match (428), a current one (412)', async () => {
      const user = await givenUser(t, admin, { role: 'coordinator', agencyId: da.id });
      const read = await as(admin).get(`/api/v1/users/${user.id}`).expect(200);
      expect(read.body).toMatchObject({ id: user.id, role: 'coordinator', disabled: false });
      expect(read.text).not.toMatch(SECRET_LIKE);
      const etag = read.headers.etag;
      expect(etag).toMatch(/^"\d+"$/);
      expectProblem(
        await as(admin).patch(`/api/v1/users/${user.id}`, { displayName: 'Renamed' }),
        428,
        'precondition-required',
      );
      const renamed = await as(admin)
        .patch(`/api/v1/users/${user.id}`, { displayName: 'Renamed' }, etag)
        .expect(200);
      expect(renamed.body.displayName).toBe('Renamed');
      expect(renamed.headers.etag).not.toBe(etag);
      expectProblem(
        await as(admin).patch(`/api/v1/users/${user.id}`, { displayName: 'Again' }, etag),
        412,
        'precondition-failed',
      );
      // A rename does not sign the user out.
      await me(user.token).expect(200);
      await as(admin).get(`/api/v1/users/${UNKNOWN_ID}`).expect(404);
    });

    it('re-roles only to a role the agency kind allows; records belongs to law enforcement', async () => {
      const coordinator = await givenUser(t, admin, { role: 'coordinator', agencyId: da.id });
      const { etag } = (await as(admin).get(`/api/v1/users/${coordinator.id}`)).headers;
      expectProblem(
        await as(admin).patch(`/api/v1/users/${coordinator.id}`, { role: 'provider' }, etag),
        422,
        'user-role-agency-mismatch',
      );
      expectProblem(
        await as(admin).patch(`/api/v1/users/${coordinator.id}`, { role: 'records' }, etag),
        422,
        'user-role-agency-mismatch',
      );
      const records = await givenUser(t, admin, { role: 'records', agencyId: police.id });
      expect((await me(records.token).expect(200)).body.role).toBe('records');
    });

    it('a re-role ends the tokens carrying the old role', async () => {
      const user = await givenUser(t, admin, { role: 'coordinator', agencyId: da.id });
      await me(user.token).expect(200);
      const { etag } = (await as(admin).get(`/api/v1/users/${user.id}`)).headers;
      await as(admin).patch(`/api/v1/users/${user.id}`, { role: 'auditor' }, etag).expect(200);
      await eventually(async () => (await me(user.token)).status === 401, TTL_MS * 4);
      const fresh = await t.http
        .post('/api/v1/auth/login')
        .send({ email: user.email, password: user.password })
        .expect(200);
      expect((await me(fresh.body.accessToken).expect(200)).body.role).toBe('auditor');
    });

    it('disabling ends the access of tokens issued before, within the TTL, and is audited', async () => {
      const user = await givenUser(t, admin, { role: 'coordinator', agencyId: da.id });
      await me(user.token).expect(200);
      const { etag } = (await as(admin).get(`/api/v1/users/${user.id}`)).headers;
      const res = await as(admin)
        .patch(`/api/v1/users/${user.id}`, { disabled: true }, etag)
        .expect(200);
      expect(res.body).toMatchObject({ disabled: true, disabledAt: expect.any(String) });
      await eventually(async () => (await me(user.token)).status === 401, TTL_MS * 4);
      await t.http
        .post('/api/v1/auth/login')
        .send({ email: user.email, password: user.password })
        .expect(401);
      const actions = await t.app
        .get(DataSource)
        .query(`SELECT action FROM audit_events WHERE subject_id = $1 ORDER BY action`, [user.id]);
      expect(actions.map((a: { action: string }) => a.action)).toEqual(
        expect.arrayContaining(['user.disabled', 'user.updated']),
      );

      const enabled = await as(admin)
        .patch(`/api/v1/users/${user.id}`, { disabled: false }, res.headers.etag)
        .expect(200);
      expect(enabled.body.disabled).toBe(false);
      await t.http
        .post('/api/v1/auth/login')
        .send({ email: user.email, password: user.password })
        .expect(200);
      // The token from before the disable stays dead.
      await me(user.token).expect(401);
    });

    it('refuses to disable or re-role the last enabled admin', async () => {
      const [{ id }] = await t.app
        .get(DataSource)
        .query(`SELECT id FROM users WHERE role = 'admin' AND disabled_at IS NULL`);
      const { etag } = (await as(admin).get(`/api/v1/users/${id}`)).headers;
      expectProblem(
        await as(admin).patch(`/api/v1/users/${id}`, { disabled: true }, etag),
        409,
        'user-last-active-admin',
      );
      await me(admin).expect(200);
    });
  });

  describe('API clients', () => {
    it('lists clients keyset-paginated, never a secret or hash', async () => {
      for (let i = 0; i < 3; i++)
        await givenClient(t, admin, { agencyId: police.id, scopes: ['events:read'] });
      const first = await as(admin).get('/api/v1/api-clients?limit=2').expect(200);
      expect(first.body.items).toHaveLength(2);
      expect(first.body.nextCursor).toEqual(expect.any(String));
      const second = await as(admin)
        .get(`/api/v1/api-clients?limit=2&cursor=${first.body.nextCursor}`)
        .expect(200);
      const ids = [...first.body.items, ...second.body.items].map((c: { id: string }) => c.id);
      expect(new Set(ids).size).toBe(ids.length);
      expect(first.text + second.text).not.toMatch(SECRET_LIKE);
      await as(admin).get('/api/v1/api-clients?cursor=bm90LWEtY3Vyc29y').expect(400);
    });

    it('revoking ends the access of tokens issued before, within the TTL', async () => {
      const client = await givenClient(t, admin, { agencyId: police.id, scopes: ['events:read'] });
      await me(client.token).expect(200);
      const res = await as(admin).post(`/api/v1/api-clients/${client.id}/revoke`).expect(200);
      expect(res.body).toMatchObject({ id: client.id, revoked: true });
      expect(res.text).not.toMatch(SECRET_LIKE);
      await eventually(async () => (await me(client.token)).status === 401, TTL_MS * 4);
      expect((await tokenWith(client.clientId, client.clientSecret)).status).toBe(401);
      expectProblem(
        await as(admin).post(`/api/v1/api-clients/${client.id}/revoke`),
        409,
        'api-client-revoked',
      );
      expectProblem(
        await as(admin).post(`/api/v1/api-clients/${client.id}/rotate-secret`),
        409,
        'api-client-revoked',
      );
    });

    it('rotation shows the new secret once; the old one works for the overlap, then stops', async () => {
      const client = await givenClient(t, admin, { agencyId: police.id, scopes: ['events:read'] });
      const rotated = await as(admin)
        .post(`/api/v1/api-clients/${client.id}/rotate-secret`)
        .expect(200);
      const newSecret = rotated.body.clientSecret as string;
      expect(newSecret).toMatch(/^fss_/);
      expect(newSecret).not.toBe(client.clientSecret);
      expect(rotated.body.previousSecretExpiresAt).toEqual(expect.any(String));
      const rows = await t.app
        .get(DataSource)
        .query(`SELECT * FROM api_clients WHERE id = $1`, [client.id]);
      expect(JSON.stringify(rows)).not.toContain(newSecret);

      await tokenWith(client.clientId, newSecret).expect(200);
      await tokenWith(client.clientId, client.clientSecret).expect(200);
      // A token obtained before the rotation keeps working: rotation is not revocation.
      await me(client.token).expect(200);
      await eventually(
        async () => (await tokenWith(client.clientId, client.clientSecret)).status === 401,
        OVERLAP_SECONDS * 1000 + 3000,
      );
      await tokenWith(client.clientId, newSecret).expect(200);
      const read = await as(admin).get(`/api/v1/api-clients/${client.id}`).expect(200);
      expect(read.body.clientSecret).toBeUndefined();
      expect(read.headers.etag).toMatch(/^"\d+"$/);
    });

    it('answers 403 to anyone but an admin', async () => {
      const client = await givenClient(t, admin, { agencyId: police.id, scopes: ['events:read'] });
      const coordinator = await givenUser(t, admin, { role: 'coordinator', agencyId: da.id });
      await as(coordinator.token).get('/api/v1/api-clients').expect(403);
      await as(coordinator.token).post(`/api/v1/api-clients/${client.id}/revoke`).expect(403);
      await as(client.token).post(`/api/v1/api-clients/${client.id}/rotate-secret`).expect(403);
      await me(client.token).expect(200);
    });
  });
});

(testServerUrl() ? describe : describe.skip)(
  'revocation across instances (real PostgreSQL)',
  () => {
    it('a user disabled on one instance is refused by another within the TTL', async () => {
      const database = await createDatabaseFromTemplate(testServerUrl()!);
      const env = { DATABASE_URL: database.url, PRINCIPAL_STATUS_TTL_MS: String(TTL_MS) };
      const [a, b] = [await startTestApp(env), await startTestApp(env)];
      try {
        const admin = await adminToken(a);
        const agency = await givenAgency(a, admin, { kind: 'district_attorney' });
        const user = await givenUser(a, admin, { role: 'coordinator', agencyId: agency.id });
        const client = await givenClient(a, admin, {
          agencyId: agency.id,
          scopes: ['events:read'],
        });
        const meOnB = (token: string) => b.http.get('/api/v1/me').auth(token, { type: 'bearer' });
        await meOnB(user.token).expect(200);
        await meOnB(client.token).expect(200);
        const { etag } = (
          await a.http.get(`/api/v1/users/${user.id}`).auth(admin, { type: 'bearer' })
        ).headers;
        await a.http
          .patch(`/api/v1/users/${user.id}`)
          .auth(admin, { type: 'bearer' })
          .set('if-match', etag)
          .send({ disabled: true })
          .expect(200);
        await a.http
          .post(`/api/v1/api-clients/${client.id}/revoke`)
          .auth(admin, { type: 'bearer' })
          .expect(200);
        const waited = await eventually(
          async () =>
            (await meOnB(user.token)).status === 401 && (await meOnB(client.token)).status === 401,
          TTL_MS * 4,
        );
        expect(waited).toBeLessThanOrEqual(TTL_MS * 4);
      } finally {
        await a.close();
        await b.close();
        await database.drop();
      }
    });
  },
);
