import { DataSource } from 'typeorm';
import { adminToken, givenAgency, givenClient, GivenUser, givenUser } from './support/factories';
import { startTestApp, TestApp } from './support/test-app';

const ISSUER = 'first-step-api';
const AUDIENCE = 'first-step';

function claimsOf(token: string): Record<string, unknown> {
  const [, payload] = token.split('.');
  return JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
}

function headerOf(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[0], 'base64url').toString('utf8'));
}

describe('auth', () => {
  let t: TestApp;
  let admin: string;
  let agencyId: string;
  let coordinator: GivenUser;

  const me = (token: string) => t.http.get('/api/v1/me').auth(token, { type: 'bearer' });
  const login = (email: string, password: string) =>
    t.http.post('/api/v1/auth/login').send({ email, password });

  beforeAll(async () => {
    t = await startTestApp({ AUTH_LOCKOUT_THRESHOLD: '5', AUTH_LOCKOUT_MINUTES: '10' });
    admin = await adminToken(t);
    const da = await givenAgency(t, admin, { kind: 'district_attorney' });
    agencyId = da.id;
    coordinator = await givenUser(t, admin, { role: 'coordinator', agencyId });
  });
  afterAll(() => t.close());

  describe('POST /auth/login', () => {
    it('answers 200 with a bearer token that proves who the user is', async () => {
      const res = await login(coordinator.email, coordinator.password).expect(200);
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      expect(res.body).toEqual({
        accessToken: expect.any(String),
        tokenType: 'Bearer',
        expiresIn: 900,
      });
      const token = res.body.accessToken as string;
      expect(headerOf(token).alg).toBe('HS256');
      const claims = claimsOf(token);
      expect(claims).toMatchObject({
        sub: coordinator.id,
        kind: 'user',
        role: 'coordinator',
        agencyId,
        iss: ISSUER,
        aud: AUDIENCE,
      });
      expect((claims.exp as number) - (claims.iat as number)).toBe(900);
      expect(JSON.stringify(claims)).not.toContain(coordinator.password);

      const who = await me(token).expect(200);
      expect(who.body).toEqual({ id: coordinator.id, kind: 'user', role: 'coordinator', agencyId });
    });

    it('accepts the email in any letter case', async () => {
      await login(coordinator.email.toUpperCase(), coordinator.password).expect(200);
    });

    it('answers 400 naming the fields of a bad body', async () => {
      const res = await t.http
        .post('/api/v1/auth/login')
        .send({ email: 'not-an-email', remember: true })
        .expect(400);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      const fields = (res.body.errors as { field: string }[]).map((e) => e.field).sort();
      expect(fields).toEqual(['email', 'password', 'remember']);
    });
  });

  describe('POST /auth/token (client credentials)', () => {
    let clientId: string;
    let clientSecret: string;
    let clientRowId: string;

    beforeAll(async () => {
      const client = await givenClient(t, admin, {
        agencyId,
        scopes: ['participants:read', 'events:read'],
      });
      clientId = client.clientId;
      clientSecret = client.clientSecret;
      clientRowId = client.id;
    });

    const expectClientToken = async (body: Record<string, unknown>, scopes: string[]) => {
      expect(body).toEqual({
        access_token: expect.any(String),
        token_type: 'Bearer',
        expires_in: 900,
        scope: scopes.join(' '),
      });
      const claims = claimsOf(body.access_token as string);
      expect(claims).toMatchObject({
        sub: clientRowId,
        kind: 'client',
        agencyId,
        scopes,
        iss: ISSUER,
        aud: AUDIENCE,
      });
      expect(claims.role).toBeUndefined();
      const who = await me(body.access_token as string).expect(200);
      expect(who.body).toEqual({ id: clientRowId, kind: 'client', scopes, agencyId });
    };

    it('issues a token for a JSON body', async () => {
      const res = await t.http
        .post('/api/v1/auth/token')
        .send({
          grant_type: 'client_credentials',
          client_id: clientId,
          client_secret: clientSecret,
        })
        .expect(200);
      await expectClientToken(res.body, ['participants:read', 'events:read']);
    });

    it('issues a token for a form-encoded body', async () => {
      const res = await t.http
        .post('/api/v1/auth/token')
        .type('form')
        .send({
          grant_type: 'client_credentials',
          client_id: clientId,
          client_secret: clientSecret,
        })
        .expect(200);
      await expectClientToken(res.body, ['participants:read', 'events:read']);
    });

    it('issues a token for HTTP Basic client authentication', async () => {
      const res = await t.http
        .post('/api/v1/auth/token')
        .auth(clientId, clientSecret)
        .type('form')
        .send({ grant_type: 'client_credentials' })
        .expect(200);
      await expectClientToken(res.body, ['participants:read', 'events:read']);
    });

    it('narrows the token to the requested scopes', async () => {
      const res = await t.http
        .post('/api/v1/auth/token')
        .send({
          grant_type: 'client_credentials',
          client_id: clientId,
          client_secret: clientSecret,
          scope: 'events:read',
        })
        .expect(200);
      await expectClientToken(res.body, ['events:read']);
    });

    it.each([
      ['a scope the client was not granted', 'events:read attendance:write'],
      ['a scope that does not exist', 'everything:write'],
    ])('answers 400 invalid_scope for %s', async (_label, scope) => {
      const res = await t.http
        .post('/api/v1/auth/token')
        .send({
          grant_type: 'client_credentials',
          client_id: clientId,
          client_secret: clientSecret,
          scope,
        })
        .expect(400);
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      expect(res.body).toEqual({ error: 'invalid_scope', error_description: expect.any(String) });
    });

    it.each([
      ['a wrong secret', () => ({ client_id: clientId, client_secret: `${clientSecret}x` })],
      [
        'an unknown client',
        () => ({ client_id: 'fsc_000000000000000000000000', client_secret: clientSecret }),
      ],
      ['no credentials at all', () => ({})],
    ])('answers 401 invalid_client for %s', async (_label, credentials) => {
      const res = await t.http
        .post('/api/v1/auth/token')
        .send({ grant_type: 'client_credentials', ...credentials() })
        .expect(401);
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      expect(res.body).toEqual({ error: 'invalid_client', error_description: expect.any(String) });
      expect(res.headers['www-authenticate']).toMatch(/^Basic /);
    });

    it('answers 401 invalid_client for a wrong secret sent with HTTP Basic', async () => {
      const res = await t.http
        .post('/api/v1/auth/token')
        .auth(clientId, 'wrong-secret')
        .send({ grant_type: 'client_credentials' })
        .expect(401);
      expect(res.body.error).toBe('invalid_client');
    });

    it.each([
      ['bad percent-encoding', `${'%E0%A4%A'}:secret`],
      ['no colon', 'just-an-id'],
    ])(
      'answers 401 invalid_client for an HTTP Basic header with %s',
      async (_label, credentials) => {
        const res = await t.http
          .post('/api/v1/auth/token')
          .set('authorization', `Basic ${Buffer.from(credentials).toString('base64')}`)
          .send({ grant_type: 'client_credentials' })
          .expect(401);
        expect(res.headers['content-type']).toMatch(/^application\/json/);
        expect(res.body.error).toBe('invalid_client');
      },
    );

    it('refuses a revoked client', async () => {
      const revoked = await givenClient(t, admin, { agencyId, scopes: ['events:read'] });
      // SQL is the only way to revoke a client until the account routes (planned) exist.
      await t.app
        .get(DataSource)
        .query(`UPDATE api_clients SET revoked_at = now() WHERE id = $1`, [revoked.id]);
      const res = await t.http
        .post('/api/v1/auth/token')
        .send({
          grant_type: 'client_credentials',
          client_id: revoked.clientId,
          client_secret: revoked.clientSecret,
        })
        .expect(401);
      expect(res.body.error).toBe('invalid_client');
    });

    it('answers 400 unsupported_grant_type for any other grant', async () => {
      const res = await t.http
        .post('/api/v1/auth/token')
        .send({ grant_type: 'password', client_id: clientId, client_secret: clientSecret })
        .expect(400);
      expect(res.body).toMatchObject({ error: 'unsupported_grant_type' });
    });
  });
});
