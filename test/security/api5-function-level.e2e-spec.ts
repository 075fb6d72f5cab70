/**
 * OWASP API5:2023 Broken Function Level Authorization: a role x route matrix generated from
 * Nest's route table and each route's declared policy (test/access-policy.e2e-spec.ts checks
 * that every route declares one). For every authenticated route and every caller (a user of
 * each role, a machine client of each single scope, and one holding every scope):
 * - a caller the policy does not allow gets 403 (a problem), and nothing in the database
 *   changes;
 * - a caller it allows is not refused (no 401, no 403): the control that keeps the matrix
 *   from passing on a server that refuses everyone.
 * Requests name random ids and send empty bodies: authorization is decided before either.
 * The matrix includes what test/access-policy.e2e-spec.ts checked before: a client (even one
 * holding every scope) is refused every route that declares only roles, and a person (the
 * admin included) every route that declares only scopes.
 */
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { ROLES, Role, Scope, SCOPES } from '../../src/identity/access/roles-and-scopes';
import { databaseSnapshot } from '../support/db-snapshot';
import { adminToken, givenAgency, givenClient, givenUser } from '../support/factories';
import { Route, routesOf } from '../support/routes';
import { startTestApp, TestApp } from '../support/test-app';

interface Caller {
  label: string;
  token: string;
  role?: Role;
  scopes?: readonly Scope[];
}

/** A concrete URL for a route template: every `:param` becomes a random uuid. */
const concrete = (path: string) => path.replace(/:[A-Za-z]+/g, () => randomUUID());

/** What the route's declared policy says of this caller (users on role, clients on scopes). */
function allows(route: Route, caller: Caller): boolean {
  if (caller.role) return route.policy.roles?.includes(caller.role) ?? false;
  const required = route.policy.scopes;
  return !!required && required.every((scope) => caller.scopes!.includes(scope));
}

/**
 * Whether the matrix sends this request. A route that declares no scopes refuses every client
 * for the same reason, whatever scopes it holds: the client holding every scope stands for
 * the single-scope ones there (about 270 requests fewer).
 */
function asks(route: Route, caller: Caller): boolean {
  return !!caller.role || !!route.policy.scopes || caller.scopes === SCOPES;
}

describe('API5 function-level authorization: every route x every role and scope', () => {
  let t: TestApp;
  let routes: Route[];
  const callers: Caller[] = [];

  beforeAll(async () => {
    t = await startTestApp();
    routes = routesOf(t).filter((r) => !r.policy.isPublic && !r.policy.anyCaller);
    const admin = await adminToken(t);
    const da = await givenAgency(t, admin, { kind: 'district_attorney' });
    const clinic = await givenAgency(t, admin, {
      kind: 'service_provider',
      services: ['mental_health'],
    });
    const court = await givenAgency(t, admin, { kind: 'court' });
    const police = await givenAgency(t, admin, { kind: 'law_enforcement' });
    const agencyFor: Record<Role, string> = {
      admin: '',
      coordinator: da.id,
      provider: clinic.id,
      court: court.id,
      auditor: da.id,
      records: police.id,
    };
    for (const role of ROLES) {
      const token =
        role === 'admin'
          ? admin
          : (await givenUser(t, admin, { role, agencyId: agencyFor[role] })).token;
      callers.push({ label: `user ${role}`, token, role });
    }
    for (const scope of SCOPES) {
      const agencyId = scope === 'attendance:write' ? clinic.id : police.id;
      const client = await givenClient(t, admin, { agencyId, scopes: [scope] });
      callers.push({ label: `client ${scope}`, token: client.token, scopes: [scope] });
    }
    const all = await givenClient(t, admin, { agencyId: police.id, scopes: [...SCOPES] });
    callers.push({ label: 'client with every scope', token: all.token, scopes: SCOPES });
  });
  afterAll(() => t.close());

  const send = (route: Route, token: string) => {
    const method = route.method.toLowerCase() as 'get' | 'post' | 'put' | 'patch' | 'delete';
    return t.http[method](concrete(route.path)).auth(token, { type: 'bearer' }).send({});
  };

  it('covers every role and scope, and routes of each kind of policy', () => {
    expect(callers.filter((c) => c.role).map((c) => c.role)).toEqual([...ROLES]);
    expect(routes.filter((r) => r.policy.roles && !r.policy.scopes).length).toBeGreaterThan(0);
    expect(routes.filter((r) => r.policy.scopes && !r.policy.roles).length).toBeGreaterThan(0);
    expect(routes.filter((r) => r.policy.scopes && r.policy.roles).length).toBeGreaterThan(0);
  });

  jest.setTimeout(120_000);

  it('answers 403 to every caller a route’s policy does not allow, and changes nothing', async () => {
    const db = t.app.get(DataSource);
    const before = await databaseSnapshot(db);
    const answers: string[] = [];
    let denied = 0;
    for (const route of routes) {
      const refused = callers.filter((c) => !allows(route, c) && asks(route, c));
      denied += refused.length;
      // One route's callers at once: the matrix is ~800 requests.
      const responses = await Promise.all(refused.map((caller) => send(route, caller.token)));
      responses.forEach((res, i) => {
        if (res.status !== 403 || res.body?.type !== 'urn:problem-type:first-step:forbidden') {
          answers.push(
            `${route.name} as ${refused[i].label} -> ${res.status} ${res.body?.type ?? ''}`,
          );
        }
      });
    }
    expect(answers).toEqual([]);
    expect(denied).toBeGreaterThan(routes.length);
    expect(await databaseSnapshot(db)).toEqual(before);
  });

  it('control: does not refuse (401/403) a caller a route’s policy allows', async () => {
    const answers: string[] = [];
    let allowed = 0;
    for (const route of routes) {
      const permitted = callers.filter((c) => allows(route, c));
      allowed += permitted.length;
      const responses = await Promise.all(permitted.map((caller) => send(route, caller.token)));
      responses.forEach((res, i) => {
        if (res.status === 401 || res.status === 403) {
          answers.push(
            `${route.name} as ${permitted[i].label} -> ${res.status} ${res.body?.type ?? ''}`,
          );
        }
      });
    }
    expect(answers).toEqual([]);
    expect(allowed).toBeGreaterThanOrEqual(routes.length);
  });
});
