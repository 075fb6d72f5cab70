import { createHash } from 'node:crypto';
import { DataSource } from 'typeorm';
import { adminToken, givenAgency, GivenAgency, givenClient, givenUser } from './support/factories';
import { startTestApp, TestApp } from './support/test-app';

const PROBLEM = /^application\/problem\+json/;
const PASSWORD = 'a long enough password';

describe('administration', () => {
  let t: TestApp;
  let db: DataSource;
  let admin: string;
  let da: GivenAgency;
  let clinic: GivenAgency;
  let sequence = 0;
  const uniqueName = (label: string) => `${label} ${++sequence}`;
  const uniqueEmail = () => `person-${++sequence}@agency.example.gov`;

  const count = async (table: 'agencies' | 'users' | 'api_clients') => {
    const [row] = await db.query(`SELECT count(*)::int AS n FROM ${table}`);
    return row.n as number;
  };
  const post = (path: string, token: string, body: object) =>
    t.http.post(`/api/v1/${path}`).auth(token, { type: 'bearer' }).send(body);

  beforeAll(async () => {
    t = await startTestApp();
    db = t.app.get(DataSource);
    admin = await adminToken(t);
    da = await givenAgency(t, admin, { kind: 'district_attorney' });
    clinic = await givenAgency(t, admin, {
      kind: 'service_provider',
      services: ['mental_health', 'education'],
    });
  });
  afterAll(() => t.close());

  describe('POST /agencies', () => {
    it('creates an agency and answers 201 with it', async () => {
      const name = uniqueName('Saving Innocence');
      const res = await post('agencies', admin, {
        name,
        kind: 'ngo',
        services: ['shelter', 'mental_health'],
      }).expect(201);
      expect(res.body).toEqual({
        id: expect.stringMatching(/^[0-9a-f-]{36}$/),
        name,
        kind: 'ngo',
        services: ['shelter', 'mental_health'],
      });
      const rows = await db.query(`SELECT name, kind, services FROM agencies WHERE id = $1`, [
        res.body.id,
      ]);
      expect(rows).toEqual([{ name, kind: 'ngo', services: ['shelter', 'mental_health'] }]);
    });

    it('defaults services to none, and trims the name', async () => {
      const name = uniqueName('Compton Police');
      const res = await post('agencies', admin, {
        name: `  ${name} `,
        kind: 'law_enforcement',
      }).expect(201);
      expect(res.body).toMatchObject({ name, kind: 'law_enforcement', services: [] });
    });

    it('answers 409 for a name already used, whatever its case, and writes nothing', async () => {
      const name = uniqueName('Probation Department');
      await post('agencies', admin, { name, kind: 'probation' }).expect(201);
      const before = await count('agencies');
      const res = await post('agencies', admin, {
        name: name.toUpperCase(),
        kind: 'probation',
      }).expect(409);
      expect(res.headers['content-type']).toMatch(PROBLEM);
      expect(res.body).toMatchObject({
        status: 409,
        type: 'urn:problem-type:first-step:agency-name-taken',
      });
      expect(await count('agencies')).toBe(before);
    });

    it('answers 422 for services on an agency that delivers none', async () => {
      const before = await count('agencies');
      const res = await post('agencies', admin, {
        name: uniqueName('Superior Court'),
        kind: 'court',
        services: ['education'],
      }).expect(422);
      expect(res.headers['content-type']).toMatch(PROBLEM);
      expect(res.body).toMatchObject({
        status: 422,
        type: 'urn:problem-type:first-step:agency-services-not-allowed',
      });
      expect(await count('agencies')).toBe(before);
    });

    it('answers 400 naming an unknown field, and writes nothing', async () => {
      const before = await count('agencies');
      const name = uniqueName('Sneaky');
      const res = await post('agencies', admin, {
        name,
        kind: 'ngo',
        id: '00000000-0000-4000-8000-000000000000',
      }).expect(400);
      expect(res.headers['content-type']).toMatch(PROBLEM);
      expect(res.body).toMatchObject({
        status: 400,
        type: 'urn:problem-type:first-step:validation-failed',
      });
      expect(res.body.errors).toEqual([{ field: 'id', message: expect.any(String) }]);
      expect(await count('agencies')).toBe(before);
      expect(await db.query(`SELECT 1 FROM agencies WHERE name = $1`, [name])).toEqual([]);
    });

    it.each([
      ['kind', { name: 'Bad Kind', kind: 'fire_department' }],
      ['services', { name: 'Bad Service', kind: 'ngo', services: ['massage'] }],
      ['services', { name: 'Twice', kind: 'ngo', services: ['shelter', 'shelter'] }],
      ['name', { kind: 'ngo' }],
      ['name', { name: '', kind: 'ngo' }],
      ['name', { name: '   ', kind: 'ngo' }],
      ['name', { name: 'x'.repeat(201), kind: 'ngo' }],
    ])('answers 400 naming %s when it is invalid', async (field, body) => {
      const before = await count('agencies');
      const res = await post('agencies', admin, body).expect(400);
      expect(res.body.errors.map((e: { field: string }) => e.field)).toEqual([field]);
      expect(JSON.stringify(res.body)).not.toContain('massage');
      expect(await count('agencies')).toBe(before);
    });

    it('answers 403 to a non-admin and 401 without a token, writing nothing', async () => {
      const coordinator = await givenUser(t, admin, { role: 'coordinator', agencyId: da.id });
      const client = await givenClient(t, admin, {
        agencyId: da.id,
        scopes: ['participants:read'],
      });
      const before = await count('agencies');
      const body = { name: uniqueName('Not Allowed'), kind: 'ngo' };
      const forbidden = await post('agencies', coordinator.token, body).expect(403);
      expect(forbidden.headers['content-type']).toMatch(PROBLEM);
      expect(forbidden.body).toMatchObject({
        status: 403,
        type: 'urn:problem-type:first-step:forbidden',
      });
      await post('agencies', client.token, body).expect(403);
      await t.http.post('/api/v1/agencies').send(body).expect(401);
      expect(await count('agencies')).toBe(before);
    });
  });

  describe('GET /agencies', () => {
    it('is readable by every role, but not by machine clients', async () => {
      const provider = await givenUser(t, admin, { role: 'provider', agencyId: clinic.id });
      const client = await givenClient(t, admin, {
        agencyId: clinic.id,
        scopes: ['attendance:write'],
      });
      const res = await t.http
        .get('/api/v1/agencies')
        .auth(provider.token, { type: 'bearer' })
        .expect(200);
      expect(res.body.items).toEqual(expect.arrayContaining([clinic, da]));
      await t.http.get('/api/v1/agencies').auth(client.token, { type: 'bearer' }).expect(403);
    });

    it('walks every agency exactly once, in name order, two at a time', async () => {
      // Non-ASCII capitals too: the database, not JavaScript, decides what lower-case means.
      for (const name of [
        'alpha',
        'Bravo',
        'charlie',
        'Delta',
        'echo',
        'Évry',
        'Ångström',
        'zulu',
        'ÉCOLE',
      ]) {
        await givenAgency(t, admin, { kind: 'ngo', name: uniqueName(name) });
      }
      const [{ n: total }] = await db.query(`SELECT count(*)::int AS n FROM agencies`);
      const seen: { id: string; name: string }[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const res: { body: { items: { id: string; name: string }[]; nextCursor: string | null } } =
          await t.http
            .get('/api/v1/agencies')
            .query({ limit: 2, ...(cursor ? { cursor } : {}) })
            .auth(admin, { type: 'bearer' })
            .expect(200);
        expect(res.body.items.length).toBeLessThanOrEqual(2);
        seen.push(...res.body.items);
        cursor = res.body.nextCursor;
        pages++;
        expect(pages).toBeLessThanOrEqual(total);
      } while (cursor);
      expect(seen).toHaveLength(total);
      expect(new Set(seen.map((a) => a.id)).size).toBe(total);
      const all = await t.http
        .get('/api/v1/agencies')
        .query({ limit: 500 })
        .auth(admin, { type: 'bearer' })
        .expect(200);
      expect(seen).toEqual(all.body.items);
    });

    it('answers nextCursor null on the last page', async () => {
      const res = await t.http
        .get('/api/v1/agencies')
        .query({ limit: 500 })
        .auth(admin, { type: 'bearer' })
        .expect(200);
      expect(res.body.nextCursor).toBeNull();
    });

    it.each([
      ['not base64 json', 'garbage!!'],
      ['the wrong shape', Buffer.from(JSON.stringify(['only-one'])).toString('base64url')],
      [
        'an id that is not a uuid',
        Buffer.from(JSON.stringify(['alpha', 'not-a-uuid'])).toString('base64url'),
      ],
      [
        'a number for the name',
        Buffer.from(JSON.stringify([1, '00000000-0000-4000-8000-000000000000'])).toString(
          'base64url',
        ),
      ],
    ])('answers 400 on cursor for %s', async (_label, cursor) => {
      const res = await t.http
        .get('/api/v1/agencies')
        .query({ cursor })
        .auth(admin, { type: 'bearer' })
        .expect(400);
      expect(res.headers['content-type']).toMatch(PROBLEM);
      expect(res.body.errors).toEqual([{ field: 'cursor', message: expect.any(String) }]);
    });

    it.each([['0'], ['501'], ['ten'], ['2.5']])('answers 400 on limit=%s', async (limit) => {
      const res = await t.http
        .get('/api/v1/agencies')
        .query({ limit })
        .auth(admin, { type: 'bearer' })
        .expect(400);
      expect(res.body.errors.map((e: { field: string }) => e.field)).toEqual(['limit']);
    });
  });

  describe('POST /users', () => {
    const validUser = () => ({
      email: uniqueEmail(),
      displayName: 'Dana Coordinator',
      role: 'coordinator',
      agencyId: da.id,
      password: PASSWORD,
    });

    it('creates a user, answers 201 without any password or hash, and stores an argon2id hash', async () => {
      const body = validUser();
      const res = await post('users', admin, { ...body, email: body.email.toUpperCase() }).expect(
        201,
      );
      expect(res.body).toEqual({
        id: expect.stringMatching(/^[0-9a-f-]{36}$/),
        email: body.email,
        displayName: 'Dana Coordinator',
        role: 'coordinator',
        agencyId: da.id,
        disabled: false,
        disabledAt: null,
        createdAt: expect.any(String),
      });
      expect(JSON.stringify(res.body)).not.toMatch(/password|hash|argon/i);
      expect(JSON.stringify(res.body)).not.toContain(PASSWORD);

      const [row] = await db.query(`SELECT email, password_hash FROM users WHERE id = $1`, [
        res.body.id,
      ]);
      expect(row.email).toBe(body.email);
      expect(row.password_hash).toMatch(/^\$argon2id\$/);
      expect(row.password_hash).not.toContain(PASSWORD);

      const login = await t.http
        .post('/api/v1/auth/login')
        .send({ email: body.email, password: PASSWORD })
        .expect(200);
      expect(login.body.accessToken).toEqual(expect.any(String));
    });

    it('stores no fast hash of the password for an Idempotency-Key', async () => {
      const body = validUser();
      const res = await post('users', admin, body)
        .set('Idempotency-Key', `user-${body.email}`)
        .expect(201);
      const [row] = await db.query(
        `SELECT request_hash, response_body::text AS body FROM idempotency_keys WHERE key = $1`,
        [`user-${body.email}`],
      );
      expect(row.body).not.toContain(PASSWORD);
      // Anyone reading the table could test guesses against a plain SHA-256 of the request.
      const sorted = Object.fromEntries(Object.entries(body).sort(([a], [b]) => (a < b ? -1 : 1)));
      const unkeyed = createHash('sha256')
        .update(`POST /api/v1/users\n${JSON.stringify(sorted)}`)
        .digest('hex');
      expect(row.request_hash).not.toBe(unkeyed);

      // Still a fingerprint: the same request replays, another password is refused.
      const replay = await post('users', admin, body)
        .set('Idempotency-Key', `user-${body.email}`)
        .expect(201);
      expect(replay.body).toEqual(res.body);
      await post('users', admin, { ...body, password: 'another long password' })
        .set('Idempotency-Key', `user-${body.email}`)
        .expect(422);
    });

    it('answers 400 for a password shorter than 12 characters, writing nothing', async () => {
      const before = await count('users');
      const res = await post('users', admin, { ...validUser(), password: 'elevenchars' }).expect(
        400,
      );
      expect(res.body.errors).toEqual([
        { field: 'password', message: expect.stringContaining('12') },
      ]);
      expect(JSON.stringify(res.body)).not.toContain('elevenchars');
      expect(await count('users')).toBe(before);
    });

    it('accepts a password of exactly 12 characters', async () => {
      await post('users', admin, { ...validUser(), password: 'twelve chars' }).expect(201);
    });

    it('answers 400 naming every bad field', async () => {
      const res = await post('users', admin, {
        email: 'nope',
        displayName: '  ',
        role: 'superuser',
        agencyId: 'da',
        password: PASSWORD,
        passwordHash: '$argon2id$...',
      }).expect(400);
      const fields = res.body.errors.map((e: { field: string }) => e.field).sort();
      expect(fields).toEqual(['agencyId', 'displayName', 'email', 'passwordHash', 'role']);
    });

    it('answers 409 for an email already used, whatever its case', async () => {
      const body = validUser();
      await post('users', admin, body).expect(201);
      const before = await count('users');
      const res = await post('users', admin, { ...body, email: body.email.toUpperCase() }).expect(
        409,
      );
      expect(res.headers['content-type']).toMatch(PROBLEM);
      expect(res.body).toMatchObject({
        status: 409,
        type: 'urn:problem-type:first-step:user-email-taken',
      });
      expect(await count('users')).toBe(before);
    });

    it('answers 422 for an agency that does not exist', async () => {
      const before = await count('users');
      const res = await post('users', admin, {
        ...validUser(),
        agencyId: '00000000-0000-4000-8000-000000000000',
      }).expect(422);
      expect(res.body).toMatchObject({
        status: 422,
        type: 'urn:problem-type:first-step:agency-not-found',
      });
      expect(await count('users')).toBe(before);
    });

    it.each([
      ['a provider in a district attorney office', 'provider', () => da.id],
      ['a coordinator in a clinic', 'coordinator', () => clinic.id],
      ['an admin outside the system agency', 'admin', () => da.id],
    ])('answers 422 for %s', async (_label, role, agencyId) => {
      const before = await count('users');
      const res = await post('users', admin, { ...validUser(), role, agencyId: agencyId() }).expect(
        422,
      );
      expect(res.body).toMatchObject({
        status: 422,
        type: 'urn:problem-type:first-step:user-role-agency-mismatch',
      });
      expect(await count('users')).toBe(before);
    });

    it('answers 403 to a non-admin, writing nothing', async () => {
      const coordinator = await givenUser(t, admin, { role: 'coordinator', agencyId: da.id });
      const before = await count('users');
      await post('users', coordinator.token, validUser()).expect(403);
      expect(await count('users')).toBe(before);
    });
  });

  describe('POST /api-clients', () => {
    it('answers 201 with a secret shown once, and stores only its hash', async () => {
      const res = await post('api-clients', admin, {
        name: 'LASD records system',
        agencyId: da.id,
        scopes: ['participants:read', 'events:read'],
      }).expect(201);
      expect(res.body).toEqual({
        id: expect.stringMatching(/^[0-9a-f-]{36}$/),
        name: 'LASD records system',
        agencyId: da.id,
        clientId: expect.any(String),
        clientSecret: expect.any(String),
        scopes: ['participants:read', 'events:read'],
      });
      const { clientId, clientSecret } = res.body;
      expect(clientSecret.length).toBeGreaterThanOrEqual(32);
      expect(clientSecret).not.toBe(clientId);

      const rows = await db.query(`SELECT * FROM api_clients WHERE id = $1`, [res.body.id]);
      expect(rows).toHaveLength(1);
      expect(rows[0].client_id).toBe(clientId);
      expect(rows[0].secret_hash).not.toBe(clientSecret);
      expect(JSON.stringify(rows[0])).not.toContain(clientSecret);

      const token = await t.http
        .post('/api/v1/auth/token')
        .send({
          grant_type: 'client_credentials',
          client_id: clientId,
          client_secret: clientSecret,
        })
        .expect(200);
      expect(token.body.scope).toBe('participants:read events:read');
    });

    it('makes a different id and secret for every client', async () => {
      const body = { name: 'Twin', agencyId: da.id, scopes: ['events:read'] };
      const one = await post('api-clients', admin, body).expect(201);
      const two = await post('api-clients', admin, body).expect(201);
      expect(two.body.clientId).not.toBe(one.body.clientId);
      expect(two.body.clientSecret).not.toBe(one.body.clientSecret);
    });

    it('keeps the secret out of the stored response of an Idempotency-Key, and shows it once', async () => {
      const body = { name: 'Retried client', agencyId: da.id, scopes: ['events:read'] };
      const first = await post('api-clients', admin, body)
        .set('Idempotency-Key', 'api-client-retry-1')
        .expect(201);
      const secret = first.body.clientSecret as string;
      expect(secret).toEqual(expect.any(String));

      const stored = await db.query(`SELECT response_body::text AS body FROM idempotency_keys`);
      expect(stored.length).toBeGreaterThan(0);
      expect(JSON.stringify(stored)).not.toContain(secret);

      const replay = await post('api-clients', admin, body)
        .set('Idempotency-Key', 'api-client-retry-1')
        .expect(201);
      expect(replay.headers['idempotent-replayed']).toBe('true');
      expect(replay.body).toMatchObject({ id: first.body.id, clientId: first.body.clientId });
      expect(replay.body.clientSecret).toBeUndefined();
      const rows = await db.query(`SELECT 1 FROM api_clients WHERE name = 'Retried client'`);
      expect(rows).toHaveLength(1);
    });

    it('answers 422 for an agency that does not exist', async () => {
      const before = await count('api_clients');
      const res = await post('api-clients', admin, {
        name: 'Orphan',
        agencyId: '00000000-0000-4000-8000-000000000000',
        scopes: ['events:read'],
      }).expect(422);
      expect(res.body).toMatchObject({
        status: 422,
        type: 'urn:problem-type:first-step:agency-not-found',
      });
      expect(await count('api_clients')).toBe(before);
    });

    it.each([
      ['scopes', { name: 'No scopes', scopes: [] }],
      ['scopes', { name: 'Bad scope', scopes: ['admin'] }],
      ['name', { name: ' ', scopes: ['events:read'] }],
      ['clientSecret', { name: 'Chosen secret', scopes: ['events:read'], clientSecret: 'mine' }],
    ])('answers 400 naming %s', async (field, body) => {
      const before = await count('api_clients');
      const res = await post('api-clients', admin, { agencyId: da.id, ...body }).expect(400);
      expect(res.body.errors.map((e: { field: string }) => e.field)).toEqual([field]);
      expect(await count('api_clients')).toBe(before);
    });

    it('answers 403 to a non-admin and to a machine client', async () => {
      const auditor = await givenUser(t, admin, { role: 'auditor', agencyId: da.id });
      const client = await givenClient(t, admin, { agencyId: da.id, scopes: ['webhooks:manage'] });
      const before = await count('api_clients');
      const body = { name: 'Escalation', agencyId: da.id, scopes: ['events:read'] };
      await post('api-clients', auditor.token, body).expect(403);
      await post('api-clients', client.token, body).expect(403);
      expect(await count('api_clients')).toBe(before);
    });
  });
});
