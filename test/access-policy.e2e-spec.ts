import { randomUUID } from 'node:crypto';
import { isDeclared } from '../src/identity/access/access-policy';
import { Route, routesOf } from './support/routes';
import { startTestApp, TestApp } from './support/test-app';

// The 403 side (every route x every role and scope) is test/security/api5-function-level.

/**
 * Who may call without a token. Adding a route here is a security decision: review it.
 */
const PUBLIC_ROUTES = [
  'GET /health/live',
  'GET /health/ready',
  'POST /api/v1/auth/login',
  'POST /api/v1/auth/token',
  'GET /api/v1/audit-events/public-key',
  // Off unless METRICS_TOKEN is set, then the service demands that token (test/metrics).
  'GET /metrics',
];

/**
 * Routes left out of the audit trail, each a reviewed decision (the reason is on the route).
 * Everything else writes an entry for every request, refused ones included.
 */
const NOT_AUDITED_ROUTES = [
  'GET /health/live',
  'GET /health/ready',
  'GET /api/v1/audit-events/public-key',
  'GET /api/v1/me',
  'GET /metrics',
];

/** A concrete URL for a route template: every `:param` becomes a random uuid. */
const concrete = (path: string) => path.replace(/:[A-Za-z]+/g, () => randomUUID());

describe('access policy (deny by default)', () => {
  let t: TestApp;
  let routes: Route[];

  beforeAll(async () => {
    t = await startTestApp();
    routes = routesOf(t);
  });
  afterAll(() => t.close());

  it('finds the routes it is meant to check', () => {
    const names = routes.map((r) => r.name);
    expect(names).toEqual(
      expect.arrayContaining([
        'POST /api/v1/auth/login',
        'GET /api/v1/me',
        'POST /api/v1/agencies',
        'GET /api/v1/agencies',
        'POST /api/v1/users',
        'POST /api/v1/api-clients',
        'GET /health/ready',
      ]),
    );
    expect(new Set(names).size).toBe(names.length);
  });

  it('has every route declare who may call it', () => {
    const undeclared = routes
      .filter((r) => !isDeclared(r.policy))
      .map((r) => `${r.name} (${r.where})`);
    expect(undeclared).toEqual([]);
  });

  it('has every route declare its audit policy (@Audited or @NotAudited)', () => {
    const undeclared = routes
      .filter((r) => r.audit.kind === 'undeclared')
      .map((r) => `${r.name} (${r.where})`);
    expect(undeclared).toEqual([]);
  });

  it('leaves only the reviewed routes out of the audit trail', () => {
    const notAudited = routes.filter((r) => r.audit.kind === 'not-audited').map((r) => r.name);
    expect(notAudited.sort()).toEqual([...NOT_AUDITED_ROUTES].sort());
  });

  it('makes only the reviewed routes public', () => {
    const publicRoutes = routes.filter((r) => r.policy.isPublic).map((r) => r.name);
    expect(publicRoutes.sort()).toEqual([...PUBLIC_ROUTES].sort());
  });

  it('declares nothing contradictory: a public route states no roles or scopes', () => {
    const muddled = routes
      .filter((r) => r.policy.isPublic && (r.policy.anyCaller || r.policy.roles || r.policy.scopes))
      .map((r) => r.name);
    expect(muddled).toEqual([]);
  });

  it('answers 401 on every non-public route when no token is sent', async () => {
    const answers: string[] = [];
    for (const route of routes.filter((r) => !r.policy.isPublic)) {
      const method = route.method.toLowerCase() as 'get' | 'post' | 'put' | 'patch' | 'delete';
      const res = await t.http[method](concrete(route.path)).send({});
      if (res.status !== 401 || res.body?.type !== 'urn:problem-type:first-step:unauthenticated') {
        answers.push(`${route.name} -> ${res.status}`);
      }
    }
    expect(answers).toEqual([]);
  });

  it('answers 401 on every non-public route for a token signed with the wrong key', async () => {
    const forged = [
      Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'JWT' })).toString('base64url'),
      Buffer.from(
        JSON.stringify({ sub: randomUUID(), kind: 'user', role: 'admin', agencyId: randomUUID() }),
      ).toString('base64url'),
      Buffer.from('not the signature').toString('base64url'),
    ].join('.');
    const answers: string[] = [];
    for (const route of routes.filter((r) => !r.policy.isPublic)) {
      const method = route.method.toLowerCase() as 'get' | 'post' | 'put' | 'patch' | 'delete';
      const res = await t.http[method](concrete(route.path))
        .auth(forged, { type: 'bearer' })
        .send({});
      if (res.status !== 401) answers.push(`${route.name} -> ${res.status}`);
    }
    expect(answers).toEqual([]);
  });
});
