/**
 * The response check every e2e test runs under (test/support/openapi-conformance.ts) catches
 * what it exists for: a body that does not match its schema, a status the operation does not
 * declare, a meaningful header the response does not declare; and it passes a conforming one.
 */
import { readFileSync } from 'node:fs';
import {
  formatViolations,
  OPENAPI_DOCUMENT_FILE,
  OpenApiConformance,
  type OpenApiDocument,
  type Violation,
} from './support/openapi-conformance';
import { startTestApp, TEST_ADMIN, TestApp } from './support/test-app';
import { UNKNOWN_ID } from './support/http';

const committed = (): OpenApiDocument =>
  JSON.parse(readFileSync(OPENAPI_DOCUMENT_FILE, 'utf8')) as OpenApiDocument;

describe('the OpenAPI response check', () => {
  const conformance = OpenApiConformance.fromFile();
  const me = (body: unknown, status = 200, headers: Record<string, unknown> = {}) =>
    conformance.check({
      method: 'GET',
      route: '/api/v1/me',
      url: '/api/v1/me',
      status,
      headers: {
        'content-type': 'application/json; charset=utf-8',
        'x-request-id': 'r-1',
        ...headers,
      },
      body: JSON.stringify(body),
    });

  it('finds a wrong body, naming the operation, status and JSON pointer', () => {
    const violations = me({ id: 'not-a-uuid', kind: 'user' });
    expect(violations.length).toBeGreaterThan(0);
    const text = formatViolations(violations);
    expect(text).toContain('GET /api/v1/me -> 200');
    expect(violations.some((v) => v.pointer === '/body/id' && /format/.test(v.message))).toBe(true);
  });

  it('finds a status the operation does not declare', () => {
    const violations = me({ type: 'x', title: 'x', status: 418 }, 418);
    expect(violations).toEqual([
      expect.objectContaining({
        operation: 'GET /api/v1/me',
        status: 418,
        pointer: '/status',
      }) as Violation,
    ]);
  });

  it('finds a meaningful header the response does not declare, and a missing required one', () => {
    const violations = conformance.check({
      method: 'GET',
      route: '/api/v1/me',
      url: '/api/v1/me',
      status: 401,
      headers: { 'content-type': 'application/problem+json', etag: '"1"' },
      body: JSON.stringify({ type: 'urn:x', title: 'x', status: 401 }),
    });
    expect(violations.map((v) => v.pointer).sort()).toEqual([
      '/headers/etag',
      '/headers/x-request-id',
    ]);
  });

  it('finds an operation the document does not have', () => {
    const violations = conformance.check({
      method: 'POST',
      route: '/api/v1/me',
      url: '/api/v1/me',
      status: 200,
      headers: {},
      body: '',
    });
    expect(violations).toEqual([
      expect.objectContaining({ pointer: '', operation: 'POST /api/v1/me' }),
    ]);
  });

  describe('installed on a running app', () => {
    let t: TestApp;
    let token: string;
    afterEach(() => t?.close());

    it('records a status the document does not declare for what the app really answered', async () => {
      // The committed document, less the 404 of GET /participants/{id}: the app's real 404
      // for an unknown id must then be reported.
      const document = committed();
      delete document.paths['/api/v1/participants/{id}'].get.responses?.['404'];
      const seen: Violation[] = [];
      t = await startTestApp(
        {},
        {
          conformance: new OpenApiConformance(document),
          onViolations: (violations) => seen.push(...violations),
        },
      );
      token = (await t.http.post('/api/v1/auth/login').send(TEST_ADMIN).expect(200)).body
        .accessToken as string;
      await t.http.get(`/api/v1/participants/${UNKNOWN_ID}`).auth(token, { type: 'bearer' });
      expect(seen).toEqual([
        expect.objectContaining({
          operation: 'GET /api/v1/participants/{id}',
          status: 404,
          pointer: '/status',
        }) as Violation,
      ]);
    });
  });
});
