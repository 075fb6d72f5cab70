import type * as OAuth from 'oauth4webapi';
import { adminToken, givenAgency, givenClient, GivenClient } from './support/factories';
import { startTestApp, TestApp } from './support/test-app';

/**
 * The token endpoint as a real OAuth 2.0 client library sees it (RFC 6749 4.4 and 5.2).
 * oauth4webapi is ESM-only: loaded with a native dynamic import (Jest runs with
 * --experimental-vm-modules), which TypeScript would otherwise turn into a require().
 */
// eslint-disable-next-line @typescript-eslint/no-implied-eval -- a native import(), on purpose
const importEsm = new Function('specifier', 'return import(specifier)') as <T>(
  specifier: string,
) => Promise<T>;

describe('POST /auth/token with an OAuth 2.0 client library', () => {
  let t: TestApp;
  let oauth: typeof OAuth;
  let as: OAuth.AuthorizationServer;
  let partner: GivenClient;

  beforeAll(async () => {
    oauth = await importEsm<typeof OAuth>('oauth4webapi');
    t = await startTestApp();
    await t.app.listen(0, '127.0.0.1');
    const base = (await t.app.getUrl()).replace('[::1]', '127.0.0.1');
    as = { issuer: base, token_endpoint: `${base}/api/v1/auth/token` };
    const admin = await adminToken(t);
    const agency = await givenAgency(t, admin, { kind: 'law_enforcement' });
    partner = await givenClient(t, admin, {
      agencyId: agency.id,
      scopes: ['events:read', 'sealing:ack'],
    });
  });
  afterAll(() => t.close());

  const request = (
    auth: OAuth.ClientAuth,
    clientId: string,
    parameters: Record<string, string> = {},
  ) =>
    oauth.clientCredentialsGrantRequest(
      as,
      { client_id: clientId },
      auth,
      new URLSearchParams(parameters),
      { [oauth.allowInsecureRequests]: true },
    );

  /** The OAuth error the library reads from a refused request, with the response. */
  async function refusal(response: Response): Promise<{ error: string; response: Response }> {
    const copy = response.clone();
    try {
      await oauth.processClientCredentialsResponse(as, { client_id: 'x' }, response);
    } catch (error) {
      if (error instanceof oauth.ResponseBodyError) return { error: error.error, response: copy };
      if (error instanceof oauth.WWWAuthenticateChallengeError) {
        const body = (await copy.clone().json()) as { error: string };
        return { error: body.error, response: copy };
      }
      throw error;
    }
    throw new Error(`expected a refusal, got ${copy.status}`);
  }

  const expectTokenHeaders = (response: Response) => {
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(response.headers.get('pragma')).toBe('no-cache');
  };

  it('obtains a token with HTTP Basic client authentication', async () => {
    const response = await request(oauth.ClientSecretBasic(partner.clientSecret), partner.clientId);
    expectTokenHeaders(response);
    const token = await oauth.processClientCredentialsResponse(
      as,
      { client_id: partner.clientId },
      response,
    );
    expect(token).toMatchObject({ token_type: 'bearer', expires_in: 900 });
    expect(token.scope).toBe('events:read sealing:ack');
    await t.http.get('/api/v1/me').auth(token.access_token, { type: 'bearer' }).expect(200);
  });

  it('obtains a narrower token with the secret in the body, ignoring unknown parameters', async () => {
    const response = await request(oauth.ClientSecretPost(partner.clientSecret), partner.clientId, {
      scope: 'events:read',
      // RFC 6749 3.2: parameters the server does not know are ignored, not refused.
      resource: 'https://records.example.gov',
    });
    const token = await oauth.processClientCredentialsResponse(
      as,
      { client_id: partner.clientId },
      response,
    );
    expect(token.scope).toBe('events:read');
  });

  it('answers invalid_client (401, Basic challenge) for a wrong secret sent with Basic', async () => {
    const { error, response } = await refusal(
      await request(oauth.ClientSecretBasic('wrong-secret'), partner.clientId),
    );
    expect(error).toBe('invalid_client');
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toMatch(/^Basic\b/);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    expectTokenHeaders(response);
  });

  it('answers invalid_client for a wrong secret in the body, and for an unknown client', async () => {
    for (const [secret, id] of [
      ['wrong-secret', partner.clientId],
      [partner.clientSecret, 'fsc_000000000000000000000000'],
    ]) {
      const { error, response } = await refusal(await request(oauth.ClientSecretPost(secret), id));
      expect(error).toBe('invalid_client');
      expect(response.status).toBe(401);
    }
  });

  it('answers invalid_scope for a scope the client does not hold', async () => {
    const { error, response } = await refusal(
      await request(oauth.ClientSecretBasic(partner.clientSecret), partner.clientId, {
        scope: 'attendance:write',
      }),
    );
    expect(error).toBe('invalid_scope');
    expect(response.status).toBe(400);
    expectTokenHeaders(response);
  });

  it('answers unsupported_grant_type for another grant', async () => {
    const response = await oauth.genericTokenEndpointRequest(
      as,
      { client_id: partner.clientId },
      oauth.ClientSecretBasic(partner.clientSecret),
      'password',
      new URLSearchParams({ username: 'u', password: 'p' }),
      { [oauth.allowInsecureRequests]: true },
    );
    const { error } = await refusal(response);
    expect(error).toBe('unsupported_grant_type');
    expect(response.status).toBe(400);
  });

  it('answers invalid_request for two client authentication methods at once', async () => {
    const { error, response } = await refusal(
      await request(oauth.ClientSecretBasic(partner.clientSecret), partner.clientId, {
        client_secret: partner.clientSecret,
      }),
    );
    expect(error).toBe('invalid_request');
    expect(response.status).toBe(400);
  });
});

describe('POST /auth/token errors on the wire', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  const token = () => t.http.post('/api/v1/auth/token');

  const expectOAuthError = (
    res: { status: number; headers: Record<string, string>; body: Record<string, unknown> },
    status: number,
    error: string,
  ) => {
    expect(res.status).toBe(status);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers['pragma']).toBe('no-cache');
    expect(Object.keys(res.body).sort()).toEqual(
      res.body.error_description === undefined ? ['error'] : ['error', 'error_description'],
    );
    expect(res.body.error).toBe(error);
    if (typeof res.body.error_description === 'string') {
      expect(res.body.error_description).toMatch(/^[\x20-\x21\x23-\x5b\x5d-\x7e]*$/);
    }
  };

  it.each([
    ['no grant_type', { client_id: 'fsc_x', client_secret: 'y' }],
    ['a grant_type that is not text', { grant_type: 7 }],
    ['a parameter sent twice', 'grant_type=client_credentials&grant_type=client_credentials'],
    ['a body that is a JSON array', [{ grant_type: 'client_credentials' }]],
  ])('answers 400 invalid_request for %s', async (_label, body) => {
    const req = typeof body === 'string' ? token().type('form') : token();
    expectOAuthError(await req.send(body), 400, 'invalid_request');
  });

  it('answers 400 invalid_request for a body that is not valid JSON', async () => {
    const res = await token().set('content-type', 'application/json').send('{"grant_type":');
    expectOAuthError(res, 400, 'invalid_request');
  });

  it('answers 400 invalid_request for a body it cannot read', async () => {
    const res = await token()
      .set('content-type', 'text/plain')
      .send('grant_type=client_credentials');
    expectOAuthError(res, 400, 'invalid_request');
  });

  it('answers 401 invalid_client with a Basic challenge when no client authenticates', async () => {
    const res = await token().send({ grant_type: 'client_credentials' });
    expectOAuthError(res, 401, 'invalid_client');
    expect(res.headers['www-authenticate']).toMatch(/^Basic realm=/);
  });

  it('documents the OAuth errors, and no required Authorization header, in OpenAPI', async () => {
    const document = (await t.http.get('/openapi.json').expect(200)).body;
    const operation = document.paths['/api/v1/auth/token'].post;
    const headers = (operation.parameters ?? []).filter(
      (p: { in: string; name: string }) => p.in === 'header',
    );
    expect(headers.filter((p: { name: string }) => /^authorization$/i.test(p.name))).toEqual([]);
    // Either no client authentication header (credentials in the body) or HTTP Basic.
    expect(operation.security).toEqual(expect.arrayContaining([{}, { clientBasic: [] }]));
    expect(operation.security).toHaveLength(2);
    for (const status of ['400', '401', '429']) {
      expect(operation.responses[status].content).toEqual({
        'application/json': { schema: { $ref: '#/components/schemas/OAuthErrorDto' } },
      });
    }
    expect(document.components.schemas.OAuthErrorDto.properties.error.enum).toEqual(
      expect.arrayContaining([
        'invalid_request',
        'invalid_client',
        'invalid_grant',
        'unauthorized_client',
        'unsupported_grant_type',
        'invalid_scope',
      ]),
    );
  });
});
