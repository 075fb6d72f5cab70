import type { AgencyKind, ServiceCategory } from '../../src/identity/agencies/agency-kind';
import type { Role, Scope } from '../../src/identity/access/roles-and-scopes';
import { rememberSensitive } from './log-capture';
import { TEST_ADMIN, TestApp } from './test-app';

/** What these factories need of an app: its HTTP client (an in-process app, or a URL). */
type Api = Pick<TestApp, 'http'>;

let sequence = 0;
const unique = (label: string) => `${label} ${process.pid}-${++sequence}-${Date.now()}`;

export async function tokenFor(t: Api, email: string, password: string): Promise<string> {
  const res = await t.http.post('/api/v1/auth/login').send({ email, password }).expect(200);
  return res.body.accessToken as string;
}

export function adminToken(t: Api): Promise<string> {
  return tokenFor(t, TEST_ADMIN.email, TEST_ADMIN.password);
}

export interface GivenAgency {
  id: string;
  name: string;
  kind: AgencyKind;
  services: ServiceCategory[];
}

export async function givenAgency(
  t: Api,
  admin: string,
  input: { kind: AgencyKind; services?: ServiceCategory[]; name?: string },
): Promise<GivenAgency> {
  const res = await t.http
    .post('/api/v1/agencies')
    .auth(admin, { type: 'bearer' })
    .send({ name: input.name ?? unique(input.kind), kind: input.kind, services: input.services })
    .expect(201);
  return res.body as GivenAgency;
}

export interface GivenUser {
  id: string;
  email: string;
  password: string;
  agencyId: string;
  token: string;
}

export async function givenUser(
  t: Api,
  admin: string,
  input: { role: Role; agencyId: string },
): Promise<GivenUser> {
  const email = `${unique(input.role).replace(/[^a-z0-9]+/gi, '.')}@example.test`.toLowerCase();
  const password = 'correct horse battery staple';
  rememberSensitive('a user password', password);
  const res = await t.http
    .post('/api/v1/users')
    .auth(admin, { type: 'bearer' })
    .send({
      email,
      displayName: 'Test Person',
      role: input.role,
      agencyId: input.agencyId,
      password,
    })
    .expect(201);
  return {
    id: res.body.id,
    email,
    password,
    agencyId: input.agencyId,
    token: await tokenFor(t, email, password),
  };
}

export interface GivenClient {
  id: string;
  clientId: string;
  clientSecret: string;
  token: string;
}

export async function givenClient(
  t: Api,
  admin: string,
  input: { agencyId: string; scopes: Scope[] },
): Promise<GivenClient> {
  const res = await t.http
    .post('/api/v1/api-clients')
    .auth(admin, { type: 'bearer' })
    .send({ name: unique('client'), agencyId: input.agencyId, scopes: input.scopes })
    .expect(201);
  rememberSensitive('a client secret', res.body.clientSecret);
  const token = await t.http
    .post('/api/v1/auth/token')
    .send({
      grant_type: 'client_credentials',
      client_id: res.body.clientId,
      client_secret: res.body.clientSecret,
    })
    .expect(200);
  return {
    id: res.body.id,
    clientId: res.body.clientId,
    clientSecret: res.body.clientSecret,
    token: token.body.access_token,
  };
}
