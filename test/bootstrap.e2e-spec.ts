import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { adminToken, givenAgency } from './support/factories';
import { startTestApp, TEST_ADMIN } from './support/test-app';
import { createDatabaseFromTemplate, testServerUrl } from './support/test-database';

const adminRows = (db: DataSource) =>
  db.query(
    `SELECT u.email, u.role, a.name AS agency, a.kind
       FROM users u JOIN agencies a ON a.id = u.agency_id ORDER BY u.created_at`,
  );

describe('bootstrap admin and persistence on embedded PGlite', () => {
  let dir: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'first-step-pglite-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('creates the admin once, in a System agency, and keeps data across a restart', async () => {
    const first = await startTestApp({ PGLITE_DIR: dir });
    let agencyId: string;
    try {
      expect(await adminRows(first.app.get(DataSource))).toEqual([
        { email: TEST_ADMIN.email, role: 'admin', agency: 'System', kind: 'system' },
      ]);
      const admin = await adminToken(first);
      const me = await first.http.get('/api/v1/me').auth(admin, { type: 'bearer' }).expect(200);
      expect(me.body).toMatchObject({ kind: 'user', role: 'admin' });
      agencyId = (await givenAgency(first, admin, { kind: 'ngo', name: 'Survives Restart' })).id;
    } finally {
      await first.close();
    }

    // Another bootstrap email this time: with a user present, nobody new is created.
    const second = await startTestApp({
      PGLITE_DIR: dir,
      BOOTSTRAP_ADMIN_EMAIL: 'second-admin@test.local',
      BOOTSTRAP_ADMIN_PASSWORD: 'another-admin-password',
    });
    try {
      expect(await adminRows(second.app.get(DataSource))).toEqual([
        { email: TEST_ADMIN.email, role: 'admin', agency: 'System', kind: 'system' },
      ]);
      await second.http
        .post('/api/v1/auth/login')
        .send({ email: 'second-admin@test.local', password: 'another-admin-password' })
        .expect(401);
      const admin = await adminToken(second);
      const list = await second.http
        .get('/api/v1/agencies')
        .auth(admin, { type: 'bearer' })
        .expect(200);
      expect(list.body.items).toEqual(
        expect.arrayContaining([
          { id: agencyId, name: 'Survives Restart', kind: 'ngo', services: [] },
        ]),
      );
      const [{ n }] = await second.app
        .get(DataSource)
        .query(`SELECT count(*)::int AS n FROM agencies WHERE name = 'System'`);
      expect(n).toBe(1);
    } finally {
      await second.close();
    }
    // Two starts of the embedded database from files, the first applying every migration:
    // over a minute on a slow two-core machine (the default 60 s timed out there).
  }, 240_000);

  it('creates no admin when the bootstrap variables are unset', async () => {
    const t = await startTestApp({ BOOTSTRAP_ADMIN_EMAIL: '', BOOTSTRAP_ADMIN_PASSWORD: '' });
    try {
      expect(await adminRows(t.app.get(DataSource))).toEqual([]);
      await t.http
        .post('/api/v1/auth/login')
        .send({ email: TEST_ADMIN.email, password: TEST_ADMIN.password })
        .expect(401);
    } finally {
      await t.close();
    }
  });
});

(testServerUrl() ? describe : describe.skip)('bootstrap admin on a real PostgreSQL server', () => {
  it('creates exactly one admin when two instances start together on one database', async () => {
    const database = await createDatabaseFromTemplate(testServerUrl()!);
    try {
      const apps = await Promise.all([
        startTestApp({ DATABASE_URL: database.url }),
        startTestApp({ DATABASE_URL: database.url }),
      ]);
      try {
        const rows = await adminRows(apps[0].app.get(DataSource));
        expect(rows).toEqual([
          { email: TEST_ADMIN.email, role: 'admin', agency: 'System', kind: 'system' },
        ]);
        await adminToken(apps[1]);
      } finally {
        await Promise.all(apps.map((app) => app.close()));
      }
    } finally {
      await database.drop();
    }
  });
});
