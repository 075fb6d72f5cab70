import { JwtService } from '@nestjs/jwt';
import { generateKeyPairSync } from 'node:crypto';
import { DataSource } from 'typeorm';
import { adminToken, givenAgency, givenClient, GivenUser, givenUser } from '../support/factories';
import { startTestApp, TEST_JWT_SECRET, TestApp } from '../support/test-app';

const ISSUER = 'first-step-api';
const AUDIENCE = 'first-step';
const WRONG_PASSWORD = 'not the right password';

function claimsOf(token: string): Record<string, unknown> {
  const [, payload] = token.split('.');
  return JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
}

/** A problem body without the members that legitimately differ between two requests. */
function comparable(body: Record<string, unknown>): Record<string, unknown> {
  const rest = { ...body };
  delete rest.requestId;
  delete rest.instance;
  return rest;
}

const base64url = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');

/**
 * OWASP API2:2023 Broken Authentication: forged, altered, expired, misdirected and
 * out-of-date bearer tokens are refused on the API; logins do not tell which accounts
 * exist; password guessing locks the account, and client-secret guessing locks only the
 * guesser's address. (test/auth.e2e-spec.ts holds the functional authentication tests.)
 */
describe('API2 broken authentication', () => {
  let t: TestApp;
  let admin: string;
  let agencyId: string;
  let coordinator: GivenUser;
  const jwt = new JwtService();

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

  /** Valid claims for the coordinator; each test breaks exactly one thing. */
  const userClaims = () => ({
    sub: coordinator.id,
    kind: 'user',
    role: 'coordinator',
    agencyId,
    ver: 1,
  });

  describe('login enumeration', () => {
    it('gives the same 401 for a wrong password and an unknown email', async () => {
      const wrongPassword = await login(coordinator.email, WRONG_PASSWORD).expect(401);
      const unknownEmail = await login('nobody-here@example.test', WRONG_PASSWORD).expect(401);
      expect(wrongPassword.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(unknownEmail.headers['content-type']).toBe(wrongPassword.headers['content-type']);
      expect(unknownEmail.headers['www-authenticate']).toBe(
        wrongPassword.headers['www-authenticate'],
      );
      expect(wrongPassword.body).toMatchObject({ status: 401, title: 'Invalid credentials' });
      expect(comparable(unknownEmail.body)).toEqual(comparable(wrongPassword.body));
      expect(wrongPassword.body.accessToken).toBeUndefined();
    });

    it('refuses a disabled user exactly like a wrong password', async () => {
      const user = await givenUser(t, admin, { role: 'coordinator', agencyId });
      // SQL is the only way to disable a user until the account routes (planned) exist.
      await t.app
        .get(DataSource)
        .query(`UPDATE users SET disabled_at = now() WHERE id = $1`, [user.id]);
      const disabled = await login(user.email, user.password).expect(401);
      const wrong = await login(coordinator.email, WRONG_PASSWORD).expect(401);
      expect(comparable(disabled.body)).toEqual(comparable(wrong.body));
    });
  });

  describe('lockout after repeated failures', () => {
    const failTimes = async (email: string, times: number) => {
      for (let i = 0; i < times; i++) await login(email, WRONG_PASSWORD).expect(401);
    };

    it('locks an account after 5 failures, even against the right password', async () => {
      const user = await givenUser(t, admin, { role: 'coordinator', agencyId });
      await failTimes(user.email, 5);
      const res = await login(user.email, user.password).expect(429);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.body).toMatchObject({
        status: 429,
        type: 'urn:problem-type:first-step:account-temporarily-locked',
      });
      expect(res.body.accessToken).toBeUndefined();
      // The standard header, in seconds: about the ten minutes of the lock.
      expect(res.headers['retry-after']).toMatch(/^\d+$/);
      expect(Number(res.headers['retry-after'])).toBeGreaterThan(540);
      expect(Number(res.headers['retry-after'])).toBeLessThanOrEqual(600);

      const [row] = await t.app.get(DataSource).query(
        `SELECT failures, locked_until > now() + interval '9 minutes' AS locked_ten_minutes
             FROM auth_failures WHERE account_key = $1`,
        [`user:${user.email}`],
      );
      expect(row).toEqual({ failures: 5, locked_ten_minutes: true });
    });

    it('locks an unknown email the same way, with the same answer', async () => {
      const known = await givenUser(t, admin, { role: 'coordinator', agencyId });
      const unknown = 'ghost-user@example.test';
      await failTimes(known.email, 5);
      await failTimes(unknown, 5);
      const lockedKnown = await login(known.email, known.password).expect(429);
      const lockedUnknown = await login(unknown, known.password).expect(429);
      const withoutClock = (body: Record<string, unknown>) => {
        const rest = comparable(body);
        delete rest.retryAfterSeconds;
        return rest;
      };
      expect(withoutClock(lockedUnknown.body)).toEqual(withoutClock(lockedKnown.body));
    });

    it('does not lock after 4 failures, and a success starts the count again', async () => {
      const user = await givenUser(t, admin, { role: 'coordinator', agencyId });
      await failTimes(user.email, 4);
      await login(user.email, user.password).expect(200);
      await failTimes(user.email, 4);
      await login(user.email, user.password).expect(200);
      const rows = await t.app
        .get(DataSource)
        .query(`SELECT 1 FROM auth_failures WHERE account_key = $1`, [`user:${user.email}`]);
      expect(rows).toEqual([]);
    });

    it('locks only the account under attack', async () => {
      const victim = await givenUser(t, admin, { role: 'coordinator', agencyId });
      const bystander = await givenUser(t, admin, { role: 'coordinator', agencyId });
      await failTimes(victim.email, 5);
      await login(victim.email, victim.password).expect(429);
      await login(bystander.email, bystander.password).expect(200);
    });
  });

  describe('client lockout', () => {
    it('locks a client after 5 bad secrets', async () => {
      const target = await givenClient(t, admin, { agencyId, scopes: ['events:read'] });
      for (let i = 0; i < 5; i++) {
        await t.http
          .post('/api/v1/auth/token')
          .send({
            grant_type: 'client_credentials',
            client_id: target.clientId,
            client_secret: 'nope',
          })
          .expect(401);
      }
      await t.http
        .post('/api/v1/auth/token')
        .send({
          grant_type: 'client_credentials',
          client_id: target.clientId,
          client_secret: target.clientSecret,
        })
        .expect(429);
    });
  });

  describe('client lockout, per source address', () => {
    /** A token request as it arrives from another machine (Fastify's inject sets the peer address). */
    const tokenFrom = (remoteAddress: string, clientId: string, clientSecret: string) =>
      t.app
        .getHttpAdapter()
        .getInstance()
        .inject({
          method: 'POST',
          url: '/api/v1/auth/token',
          remoteAddress,
          payload: {
            grant_type: 'client_credentials',
            client_id: clientId,
            client_secret: clientSecret,
          },
        });

    it('locks guesses from one address, never the client calling from its own', async () => {
      const partner = await givenClient(t, admin, { agencyId, scopes: ['events:read'] });
      const attacker = '203.0.113.9';
      const partnerAddress = '198.51.100.7';
      for (let i = 0; i < 5; i++) {
        expect((await tokenFrom(attacker, partner.clientId, 'guess')).statusCode).toBe(401);
      }
      const locked = await tokenFrom(attacker, partner.clientId, partner.clientSecret);
      expect(locked.statusCode).toBe(429);
      expect(locked.json()).toMatchObject({ error: 'slow_down' });
      expect(Number(locked.headers['retry-after'])).toBeGreaterThan(540);

      const served = await tokenFrom(partnerAddress, partner.clientId, partner.clientSecret);
      expect(served.statusCode).toBe(200);
      expect(served.json().access_token).toEqual(expect.any(String));
    });
  });

  describe('bearer tokens', () => {
    const expectUnauthenticated = async (authorization: string | undefined) => {
      const req = t.http.get('/api/v1/me');
      if (authorization) void req.set('authorization', authorization);
      const res = await req.expect(401);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.headers['www-authenticate']).toBe('Bearer');
      expect(res.body).toMatchObject({
        status: 401,
        type: 'urn:problem-type:first-step:unauthenticated',
        instance: '/api/v1/me',
      });
      expect(res.body.id).toBeUndefined();
      return res;
    };

    const signed = (
      claims: object,
      options: { secret?: string; issuer?: string; audience?: string } = {},
    ) =>
      jwt.sign(claims, {
        secret: options.secret ?? TEST_JWT_SECRET,
        algorithm: 'HS256',
        issuer: options.issuer ?? ISSUER,
        audience: options.audience ?? AUDIENCE,
        expiresIn: 300,
      });

    it('accepts a token signed as the API signs them (control for the cases below)', async () => {
      await me(signed(userClaims())).expect(200);
    });

    it('answers 401 without a token', async () => {
      await expectUnauthenticated(undefined);
    });

    it.each([['Bearer'], ['Bearer not.a.jwt'], ['Basic dXNlcjpwYXNz'], ['bearer']])(
      'answers 401 for the header %p',
      async (header) => {
        await expectUnauthenticated(header);
      },
    );

    it('answers 401 for a token signed with another secret', async () => {
      await expectUnauthenticated(`Bearer ${signed(userClaims(), { secret: 'x'.repeat(48) })}`);
    });

    it('answers 401 for an unsigned `alg: none` token', async () => {
      const now = Math.floor(Date.now() / 1000);
      const payload = {
        ...userClaims(),
        role: 'admin',
        iss: ISSUER,
        aud: AUDIENCE,
        iat: now,
        exp: now + 300,
      };
      await expectUnauthenticated(
        `Bearer ${base64url({ alg: 'none', typ: 'JWT' })}.${base64url(payload)}.`,
      );
    });

    it('answers 401 for a token whose payload was altered after signing', async () => {
      const [header, , signature] = signed(userClaims()).split('.');
      const now = Math.floor(Date.now() / 1000);
      const forged = {
        ...userClaims(),
        role: 'admin',
        iss: ISSUER,
        aud: AUDIENCE,
        iat: now,
        exp: now + 300,
      };
      await expectUnauthenticated(`Bearer ${header}.${base64url(forged)}.${signature}`);
    });

    it('answers 401 for an expired token', async () => {
      const now = Math.floor(Date.now() / 1000);
      const expired = jwt.sign(
        { ...userClaims(), iat: now - 1000, exp: now - 60 },
        { secret: TEST_JWT_SECRET, algorithm: 'HS256', issuer: ISSUER, audience: AUDIENCE },
      );
      await expectUnauthenticated(`Bearer ${expired}`);
    });

    it('answers 401 for a well-signed token without an expiry', async () => {
      const forever = jwt.sign(userClaims(), {
        secret: TEST_JWT_SECRET,
        algorithm: 'HS256',
        issuer: ISSUER,
        audience: AUDIENCE,
      });
      expect(claimsOf(forever).exp).toBeUndefined();
      await expectUnauthenticated(`Bearer ${forever}`);
    });

    it('answers 401 for a token from another issuer', async () => {
      await expectUnauthenticated(`Bearer ${signed(userClaims(), { issuer: 'someone-else' })}`);
    });

    it('answers 401 for a token meant for another audience', async () => {
      await expectUnauthenticated(`Bearer ${signed(userClaims(), { audience: 'another-api' })}`);
    });

    it('answers 401 for a token signed with HS512 even with the right secret', async () => {
      const token = jwt.sign(userClaims(), {
        secret: TEST_JWT_SECRET,
        algorithm: 'HS512',
        issuer: ISSUER,
        audience: AUDIENCE,
        expiresIn: 300,
      });
      await expectUnauthenticated(`Bearer ${token}`);
    });

    it('answers 401 for a token not valid before a future time (nbf)', async () => {
      const now = Math.floor(Date.now() / 1000);
      await expectUnauthenticated(`Bearer ${signed({ ...userClaims(), nbf: now + 3600 })}`);
    });

    it('answers 401 for an RS256 token (key confusion: the API pins HS256)', async () => {
      const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
      const token = jwt.sign(userClaims(), {
        privateKey,
        algorithm: 'RS256',
        issuer: ISSUER,
        audience: AUDIENCE,
        expiresIn: 300,
      });
      await expectUnauthenticated(`Bearer ${token}`);
    });

    it('answers 401 for the token of a user disabled since it was issued', async () => {
      const user = await givenUser(t, admin, { role: 'coordinator', agencyId });
      await me(user.token).expect(200);
      const { etag } = (
        await t.http.get(`/api/v1/users/${user.id}`).auth(admin, { type: 'bearer' }).expect(200)
      ).headers;
      await t.http
        .patch(`/api/v1/users/${user.id}`)
        .auth(admin, { type: 'bearer' })
        .set('if-match', etag)
        .send({ disabled: true })
        .expect(200);
      // Applied at once by the instance that made the change (PrincipalStatus).
      await expectUnauthenticated(`Bearer ${user.token}`);
    });

    it('answers 401 for the token of a user whose role changed since it was issued', async () => {
      const user = await givenUser(t, admin, { role: 'coordinator', agencyId });
      const { etag } = (
        await t.http.get(`/api/v1/users/${user.id}`).auth(admin, { type: 'bearer' }).expect(200)
      ).headers;
      await t.http
        .patch(`/api/v1/users/${user.id}`)
        .auth(admin, { type: 'bearer' })
        .set('if-match', etag)
        .send({ role: 'auditor' })
        .expect(200);
      await expectUnauthenticated(`Bearer ${user.token}`);
    });

    it('answers 401 for the token of a client revoked since it was issued', async () => {
      const client = await givenClient(t, admin, { agencyId, scopes: ['events:read'] });
      await me(client.token).expect(200);
      const { etag } = (
        await t.http
          .get(`/api/v1/api-clients/${client.id}`)
          .auth(admin, { type: 'bearer' })
          .expect(200)
      ).headers;
      await t.http
        .post(`/api/v1/api-clients/${client.id}/revoke`)
        .auth(admin, { type: 'bearer' })
        .set('if-match', etag)
        .expect(200);
      await expectUnauthenticated(`Bearer ${client.token}`);
    });

    it.each([
      ['a user without a role', { kind: 'user', role: undefined }],
      ['an unknown role', { role: 'superuser' }],
      ['an unknown kind', { kind: 'robot' }],
      ['a subject that is not a uuid', { sub: 'admin' }],
      ['an unknown scope', { kind: 'client', role: undefined, scopes: ['everything'] }],
    ])('answers 401 for a well-signed token with %s', async (_label, change) => {
      await expectUnauthenticated(`Bearer ${signed({ ...userClaims(), ...change })}`);
    });
  });
});
