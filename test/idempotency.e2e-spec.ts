import { Client } from 'pg';
import { DataSource, EntityManager } from 'typeorm';
import { IdempotencyExpiryJob } from '../src/common/idempotency/idempotency-expiry.job';
import { IdempotencyStore } from '../src/common/idempotency/idempotency-store.repository';
import { UnitOfWork } from '../src/infrastructure/database/unit-of-work';
import { adminToken } from './support/factories';
import { startTestApp, TestApp } from './support/test-app';

describe('Idempotency-Key', () => {
  let t: TestApp;
  let admin: string;
  let adminId: string;

  beforeAll(async () => {
    t = await startTestApp();
    admin = await adminToken(t);
    adminId = (await t.http.get('/api/v1/me').auth(admin, { type: 'bearer' })).body.id;
  });
  afterAll(() => t.close());

  const createAgency = (key: string, body: Record<string, unknown>) =>
    t.http
      .post('/api/v1/agencies')
      .auth(admin, { type: 'bearer' })
      .set('Idempotency-Key', key)
      .send(body);

  const agenciesNamed = async (name: string) =>
    (await t.app.get(DataSource).query(`SELECT id FROM agencies WHERE name = $1`, [name])).length;

  it('replays the stored response for the same key and body, with the same status and body', async () => {
    const body = { name: 'Replayed Clinic', kind: 'service_provider', services: ['education'] };
    const first = await createAgency('key-replay-1', body).expect(201);
    expect(first.headers['idempotent-replayed']).toBeUndefined();
    const second = await createAgency('key-replay-1', {
      services: ['education'],
      kind: 'service_provider',
      name: 'Replayed Clinic',
    }).expect(201);
    expect(second.headers['idempotent-replayed']).toBe('true');
    expect(second.body).toEqual(first.body);
    expect(await agenciesNamed('Replayed Clinic')).toBe(1);
  });

  it('answers 422 when the key is reused with a different body, and changes nothing', async () => {
    await createAgency('key-mismatch-1', { name: 'First Body', kind: 'ngo' }).expect(201);
    const res = await createAgency('key-mismatch-1', { name: 'Second Body', kind: 'ngo' }).expect(
      422,
    );
    expect(res.body.type).toMatch(/idempotency-key-reused$/);
    expect(await agenciesNamed('Second Body')).toBe(0);
  });

  it('does not store failed requests: the key can be used again once the request is fixed', async () => {
    await createAgency('key-after-error', {
      name: 'Court With Services',
      kind: 'court',
      services: ['shelter'],
    }).expect(422);
    await createAgency('key-after-error', { name: 'Court Without Services', kind: 'court' }).expect(
      201,
    );
  });

  it('keys are per caller: another caller with the same key gets its own effect', async () => {
    const other = await t.http
      .post('/api/v1/users')
      .auth(admin, { type: 'bearer' })
      .send({
        email: 'second.admin@example.test',
        displayName: 'Second Admin',
        role: 'admin',
        agencyId: (
          await t.app.get(DataSource).query(`SELECT id FROM agencies WHERE kind = 'system'`)
        )[0].id,
        password: 'another long password',
      })
      .expect(201);
    expect(other.body.id).toBeDefined();
    const token = (
      await t.http
        .post('/api/v1/auth/login')
        .send({ email: 'second.admin@example.test', password: 'another long password' })
    ).body.accessToken;
    await createAgency('shared-key', { name: 'Per Caller A', kind: 'ngo' }).expect(201);
    await t.http
      .post('/api/v1/agencies')
      .auth(token, { type: 'bearer' })
      .set('Idempotency-Key', 'shared-key')
      .send({ name: 'Per Caller B', kind: 'ngo' })
      .expect(201);
  });

  it('rejects a malformed key with 400', async () => {
    const res = await createAgency('x'.repeat(256), { name: 'Too Long Key', kind: 'ngo' }).expect(
      400,
    );
    expect(res.body.errors).toEqual([expect.objectContaining({ field: 'Idempotency-Key' })]);
  });

  it('stores the response in the same transaction as the effect: if storing fails, the effect is undone', async () => {
    const original = EntityManager.prototype.query;
    const spy = jest.spyOn(EntityManager.prototype, 'query').mockImplementation(function (
      this: EntityManager,
      sql: string,
      params?: unknown[],
    ) {
      if (sql.includes('INSERT INTO idempotency_keys'))
        return Promise.reject(new Error('disk full'));
      return original.call(this, sql, params);
    });
    try {
      await createAgency('key-crash', { name: 'Half Written', kind: 'ngo' }).expect(500);
    } finally {
      spy.mockRestore();
    }
    expect(await agenciesNamed('Half Written')).toBe(0);
    await createAgency('key-crash', { name: 'Half Written', kind: 'ngo' }).expect(201);
    expect(await agenciesNamed('Half Written')).toBe(1);
  });

  const expire = (key: string) =>
    t.app
      .get(DataSource)
      .query(
        `UPDATE idempotency_keys SET expires_at = now() - interval '1 second' WHERE key = $1`,
        [key],
      );

  it('forgets a response once it has expired: the key then runs a new request and stores its answer', async () => {
    await createAgency('key-expiring', { name: 'Before Expiry', kind: 'ngo' }).expect(201);
    await expire('key-expiring');
    // A different body is no longer a reuse: the old response is gone.
    const fresh = await createAgency('key-expiring', { name: 'After Expiry', kind: 'ngo' }).expect(
      201,
    );
    expect(fresh.headers['idempotent-replayed']).toBeUndefined();
    expect(await agenciesNamed('After Expiry')).toBe(1);
    const replay = await createAgency('key-expiring', { name: 'After Expiry', kind: 'ngo' }).expect(
      201,
    );
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect(replay.body).toEqual(fresh.body);
  });

  it('the expiry job deletes expired responses and keeps live ones', async () => {
    await createAgency('key-old', { name: 'Old Response', kind: 'ngo' }).expect(201);
    await createAgency('key-live', { name: 'Live Response', kind: 'ngo' }).expect(201);
    await expire('key-old');
    const deleted = await t.app.get(IdempotencyExpiryJob).runUntilIdle();
    expect(deleted).toBeGreaterThanOrEqual(1);
    const keys = (
      await t.app
        .get(DataSource)
        .query(`SELECT key FROM idempotency_keys WHERE key IN ('key-old', 'key-live')`)
    ).map((row: { key: string }) => row.key);
    expect(keys).toEqual(['key-live']);
    await createAgency('key-live', { name: 'Live Response', kind: 'ngo' })
      .expect(201)
      .expect('idempotent-replayed', 'true');
  });

  it('withdrawResponsesMentioning(id) withdraws every stored response that names the record, and only those', async () => {
    const named = await createAgency('key-names-record', { name: 'Named In Body', kind: 'ngo' });
    await createAgency('key-other-record', { name: 'Other Body', kind: 'ngo' }).expect(201);
    const store = t.app.get(IdempotencyStore);
    const withdrawn = await t.app
      .get(UnitOfWork)
      .run(() => store.withdrawResponsesMentioning(named.body.id));
    expect(withdrawn).toBe(1);
    // Not replayed any more, and not run again either: a 404 like an unknown record.
    const again = await createAgency('key-names-record', { name: 'Named In Body', kind: 'ngo' });
    expect(again.headers['idempotent-replayed']).toBeUndefined();
    expect(again.status).toBe(404);
    expect(JSON.stringify(again.body)).not.toContain(named.body.id);
    // The same key with another body is still a reuse (422), as before the withdrawal.
    await createAgency('key-names-record', { name: 'Another Body', kind: 'ngo' }).expect(422);
    await createAgency('key-other-record', { name: 'Other Body', kind: 'ngo' }).expect(
      'idempotent-replayed',
      'true',
    );
    // Anything but a record id would match far too much: refused.
    await expect(
      t.app.get(UnitOfWork).run(() => store.withdrawResponsesMentioning('')),
    ).rejects.toThrow(/uuid/);
    await expect(store.withdrawResponsesMentioning(named.body.id)).rejects.toThrow(/UnitOfWork/);
  });

  // PGlite is one Postgres session: its advisory locks are shared by every connection and its
  // transactions are serialised, so "in flight" only exists on a real server.
  const onServer = t_databaseUrl() ? it : it.skip;
  onServer('answers 409 while a request with the same key is in flight', async () => {
    const holder = new Client({ connectionString: t.databaseUrl });
    await holder.connect();
    try {
      await holder.query(`SELECT pg_advisory_lock(hashtextextended($1, 0))`, [
        `idempotency:${adminId}:key-in-flight`,
      ]);
      const res = await createAgency('key-in-flight', { name: 'In Flight', kind: 'ngo' }).expect(
        409,
      );
      expect(res.body.type).toMatch(/idempotency-request-in-flight$/);
    } finally {
      await holder.end();
    }
    await createAgency('key-in-flight', { name: 'In Flight', kind: 'ngo' }).expect(201);
  });
});

function t_databaseUrl(): string | undefined {
  return process.env.TEST_DATABASE_URL;
}
