import { DataSource } from 'typeorm';
import { startTestApp, TestApp } from './support/test-app';

const PROBLEM = /^application\/problem\+json/;

describe('health and documents', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('GET /health/live answers 200 {status: ok} without a token', async () => {
    const res = await t.http.get('/health/live').expect(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.body).toEqual({ status: 'ok' });
  });

  it('GET /health/ready answers 200 with status ok when the database is up and migrated', async () => {
    const res = await t.http.get('/health/ready').expect(200);
    expect(res.body).toMatchObject({
      status: 'ok',
      info: { database: { status: 'up' }, migrations: { status: 'up' } },
    });
  });

  it('serves health outside the API prefix only', async () => {
    const res = await t.http.get('/api/v1/health/live').expect(404);
    expect(res.headers['content-type']).toMatch(PROBLEM);
  });

  it('serves the OpenAPI document at /openapi.json with the API under /api/v1', async () => {
    const res = await t.http.get('/openapi.json').expect(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.body.openapi).toMatch(/^3\./);
    const paths = Object.keys(res.body.paths as object);
    expect(paths).toEqual(
      expect.arrayContaining([
        '/api/v1/auth/login',
        '/api/v1/auth/token',
        '/api/v1/me',
        '/api/v1/agencies',
        '/api/v1/users',
        '/api/v1/api-clients',
      ]),
    );
    const outsidePrefix = paths.filter(
      (path) => !path.startsWith('/api/v1/') && !path.startsWith('/health/'),
    );
    expect(outsidePrefix).toEqual([]);
    expect(res.body.components.securitySchemes.bearer).toMatchObject({
      type: 'http',
      scheme: 'bearer',
    });
  });

  it('documents error answers as problem details', async () => {
    const res = await t.http.get('/openapi.json').expect(200);
    const createAgency = res.body.paths['/api/v1/agencies'].post;
    expect(Object.keys(createAgency.responses)).toEqual(
      expect.arrayContaining(['201', '400', '401', '403', '409']),
    );
    expect(createAgency.responses['409'].content['application/problem+json'].schema).toEqual({
      $ref: '#/components/schemas/Problem',
    });
  });

  it('serves Swagger UI at /docs', async () => {
    const res = await t.http.get('/docs').redirects(2).expect(200);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.text).toMatch(/swagger/i);
  });
});

describe('readiness when the database is not ready', () => {
  let t: TestApp;

  beforeAll(async () => {
    // A fresh embedded database, never migrated; no bootstrap admin (there is no users table).
    t = await startTestApp({
      PGLITE_DIR: 'memory://',
      MIGRATIONS_RUN: 'false',
      BOOTSTRAP_ADMIN_EMAIL: '',
      BOOTSTRAP_ADMIN_PASSWORD: '',
    });
  });
  afterAll(() => t.close());

  it('answers 503 while migrations are pending, 200 once applied, 503 when the database goes away', async () => {
    const pending = await t.http.get('/health/ready').expect(503);
    expect(pending.headers['content-type']).toMatch(PROBLEM);
    expect(pending.body).toMatchObject({
      status: 503,
      type: 'urn:problem-type:first-step:service-unavailable',
      instance: '/health/ready',
      requestId: expect.any(String),
    });
    await t.http.get('/health/live').expect(200);

    await t.app.get(DataSource).runMigrations();
    const ready = await t.http.get('/health/ready').expect(200);
    expect(ready.body.status).toBe('ok');

    await t.app.get(DataSource).destroy();
    const gone = await t.http.get('/health/ready').expect(503);
    expect(gone.headers['content-type']).toMatch(PROBLEM);
    expect(JSON.stringify(gone.body)).not.toMatch(/ECONNREFUSED|127\.0\.0\.1|postgres/i);
    await t.http.get('/health/live').expect(200);
  });
});
