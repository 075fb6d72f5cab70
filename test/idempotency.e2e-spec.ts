import { randomBytes, randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { DataSource, EntityManager } from 'typeorm';
import { EncryptIdempotencyResponses1764001500000 } from '../migrations/1764001500000-encrypt-idempotency-responses';
import { IdempotencyExpiryJob } from '../src/common/idempotency/idempotency-expiry.job';
import { IdempotencyStore } from '../src/common/idempotency/idempotency-store.repository';
import { StoredResponsesEncryption } from '../src/common/idempotency/stored-responses-encryption.service';
import { FieldCipher, idempotencyResponseContext } from '../src/infrastructure/crypto/field-cipher';
import { UnitOfWork } from '../src/infrastructure/database/unit-of-work';
import { adminToken } from './support/factories';
import { startTestApp, TestApp } from './support/test-app';
import { givenWorld, World } from './support/workflow';

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

describe('stored responses are encrypted at rest', () => {
  const keyA = randomBytes(32).toString('base64');
  const keyB = randomBytes(32).toString('base64');
  let t: TestApp;
  let db: DataSource;
  let w: World;
  beforeAll(async () => {
    // Key b writes; key a (older) still reads.
    t = await startTestApp({
      FIELD_ENCRYPTION_KEYS: `a:${keyA},b:${keyB}`,
      FIELD_ENCRYPTION_KEY_ID: 'b',
    });
    db = t.app.get(DataSource);
    w = await givenWorld(t);
  });
  afterAll(() => t.close());

  const person = { firstName: 'Valentina', lastName: 'Quintero', dateOfBirth: '2011-03-14' };
  const createParticipant = (key: string, body: Record<string, unknown> = person) =>
    t.http
      .post('/api/v1/participants')
      .auth(w.coordinator.token, { type: 'bearer' })
      .set('Idempotency-Key', key)
      .send(body);
  const rowOf = async (key: string) =>
    (
      await db.query(
        `SELECT caller_id, response_body, response_headers::text AS headers, mentions::text[] AS mentions,
                withdrawn
           FROM idempotency_keys WHERE key = $1`,
        [key],
      )
    )[0] as {
      caller_id: string;
      response_body: string | null;
      headers: string;
      mentions: string[];
      withdrawn: boolean;
    };
  const participantsNamed = async (lastName: string) =>
    (await db.query(`SELECT id FROM participants WHERE last_name = $1`, [lastName])).length;

  it('keeps no name or date of birth in clear, records the ids it mentions, and replays the same bytes', async () => {
    const first = await createParticipant('enc-participant').expect(201);
    const row = await rowOf('enc-participant');
    expect(row.response_body).toMatch(/^enc:v1:b:/);
    for (const clear of [person.firstName, person.lastName, person.dateOfBirth]) {
      expect(row.response_body).not.toContain(clear);
      expect(row.headers).not.toContain(clear);
    }
    expect(row.mentions).toContain(first.body.id);
    const replay = await createParticipant('enc-participant')
      .expect(201)
      .expect('idempotent-replayed', 'true');
    expect(replay.text).toBe(first.text);
    // The database refuses a plaintext body, whoever writes it.
    await expect(
      db.query(`UPDATE idempotency_keys SET response_body = '{"id":1}' WHERE key = $1`, [
        'enc-participant',
      ]),
    ).rejects.toThrow(/idempotency_keys_response_encrypted/);
  });

  it('a body copied onto another row does not open: that key answers like a withdrawn one (404) and never runs again', async () => {
    const other = { ...person, lastName: 'Moved' };
    const source = await createParticipant('enc-source').expect(201);
    await createParticipant('enc-target', other).expect(201);
    await db.query(
      `UPDATE idempotency_keys SET response_body =
         (SELECT response_body FROM idempotency_keys WHERE key = 'enc-source')
        WHERE key = 'enc-target'`,
    );
    const replay = await createParticipant('enc-target', other);
    expect(replay.status).toBe(404);
    expect(replay.headers['idempotent-replayed']).toBeUndefined();
    expect(JSON.stringify(replay.body)).not.toContain(source.body.id);
    expect(await participantsNamed('Moved')).toBe(1);
    // The row it came from still replays.
    await createParticipant('enc-source').expect(201).expect('idempotent-replayed', 'true');
  });

  it('sealing-style withdrawal finds the response by its mentions, and keeps none of them', async () => {
    const created = await createParticipant('enc-withdrawn', {
      ...person,
      lastName: 'Withdrawn',
    }).expect(201);
    const withdrawn = await t.app
      .get(UnitOfWork)
      .run(() => t.app.get(IdempotencyStore).withdrawResponsesMentioning(created.body.id));
    expect(withdrawn).toBe(1);
    expect(await rowOf('enc-withdrawn')).toMatchObject({
      response_body: null,
      headers: '{}',
      mentions: [],
      withdrawn: true,
    });
  });

  it('key rotation re-encrypts responses under an old key to the write key; one that does not open is withdrawn', async () => {
    const first = await createParticipant('enc-rotate', { ...person, lastName: 'Rotated' }).expect(
      201,
    );
    await createParticipant('enc-rotate-moved', { ...person, lastName: 'Rotated Moved' }).expect(
      201,
    );
    // As if written while key a was the write key; and one row holding another row's body.
    const { caller_id: callerId } = await rowOf('enc-rotate');
    const context = idempotencyResponseContext(callerId, 'enc-rotate');
    const plaintext = t.config.fieldCipher.decrypt(
      (await rowOf('enc-rotate')).response_body!,
      context,
    );
    const underA = FieldCipher.of(new Map([['a', Buffer.from(keyA, 'base64')]]), 'a');
    await db.query(`UPDATE idempotency_keys SET response_body = $2 WHERE key = $1`, [
      'enc-rotate',
      underA.encrypt(plaintext, context),
    ]);
    await db.query(
      `UPDATE idempotency_keys SET response_body = $1 WHERE key = 'enc-rotate-moved'`,
      [underA.encrypt(plaintext, context)],
    );
    // Readable under the old key before rotation.
    const before = await createParticipant('enc-rotate', { ...person, lastName: 'Rotated' }).expect(
      201,
    );
    expect(before.text).toBe(first.text);

    const rotation = t.app.get(StoredResponsesEncryption);
    expect(await rotation.reencryptAll()).toEqual({ reencrypted: 1, withdrawn: 1 });
    expect((await rowOf('enc-rotate')).response_body).toMatch(/^enc:v1:b:/);
    expect((await rowOf('enc-rotate-moved')).withdrawn).toBe(true);
    expect(await rotation.reencryptAll()).toEqual({ reencrypted: 0, withdrawn: 0 });
    const after = await createParticipant('enc-rotate', { ...person, lastName: 'Rotated' })
      .expect(201)
      .expect('idempotent-replayed', 'true');
    expect(after.text).toBe(first.text);

    // A response under a key no longer listed stops the rotation, and its batch is unchanged:
    // the operator removed a key still in use.
    const underGone = FieldCipher.of(new Map([['gone', randomBytes(32)]]), 'gone');
    await db.query(`UPDATE idempotency_keys SET response_body = $2 WHERE key = $1`, [
      'enc-rotate',
      underA.encrypt(plaintext, context),
    ]);
    await createParticipant('enc-rotate-gone', { ...person, lastName: 'Gone' }).expect(201);
    await db.query(`UPDATE idempotency_keys SET response_body = $1 WHERE key = 'enc-rotate-gone'`, [
      underGone.encrypt('{}', 'anything'),
    ]);
    await expect(rotation.reencryptAll()).rejects.toThrow(
      /field key gone, which is not configured/,
    );
    expect((await rowOf('enc-rotate')).response_body).toMatch(/^enc:v1:a:/);
    await db.query(`DELETE FROM idempotency_keys WHERE key = 'enc-rotate-gone'`);
    expect(await rotation.reencryptAll()).toEqual({ reencrypted: 1, withdrawn: 0 });
  });

  it('the migration converts a plaintext row: mentions from the JSON, the body encrypted under the write key', async () => {
    const migration = new EncryptIdempotencyResponses1764001500000();
    const runner = db.createQueryRunner();
    const env = {
      FIELD_ENCRYPTION_KEYS: process.env.FIELD_ENCRYPTION_KEYS,
      FIELD_ENCRYPTION_KEY_ID: process.env.FIELD_ENCRYPTION_KEY_ID,
    };
    const recordId = randomUUID();
    const body = {
      id: recordId,
      firstName: 'Legacy',
      notes: 'Placed at safe house 9 Birch Road',
      links: { arrest: `/api/v1/arrest-records/${randomUUID().toUpperCase()}` },
    };
    let text = '';
    try {
      // The table as it was before the migration, with a response stored in clear.
      await migration.down(runner);
      await runner.query(
        `INSERT INTO idempotency_keys
           (caller_id, key, request_hash, status_code, response_body, response_headers, expires_at)
         VALUES ($1, 'legacy-plain', 'h', 201, $2::jsonb, $3::jsonb, now() + interval '1 hour')`,
        [randomUUID(), JSON.stringify(body), JSON.stringify({ location: `/x/${recordId}` })],
      );
      [{ text }] = await runner.query(
        `SELECT response_body::text AS text FROM idempotency_keys WHERE key = 'legacy-plain'`,
      );
      process.env.FIELD_ENCRYPTION_KEYS = `a:${keyA},b:${keyB}`;
      process.env.FIELD_ENCRYPTION_KEY_ID = 'b';
      await migration.up(runner);
    } finally {
      process.env.FIELD_ENCRYPTION_KEYS = env.FIELD_ENCRYPTION_KEYS;
      process.env.FIELD_ENCRYPTION_KEY_ID = env.FIELD_ENCRYPTION_KEY_ID;
      if (env.FIELD_ENCRYPTION_KEYS === undefined) delete process.env.FIELD_ENCRYPTION_KEYS;
      if (env.FIELD_ENCRYPTION_KEY_ID === undefined) delete process.env.FIELD_ENCRYPTION_KEY_ID;
      await runner.release();
    }
    // Read once the runner is released: PGlite serves one connection at a time.
    const row = await rowOf('legacy-plain');
    expect(row.response_body).toMatch(/^enc:v1:b:/);
    expect(row.response_body).not.toContain('Birch');
    expect(
      JSON.parse(
        t.config.fieldCipher.decrypt(
          row.response_body!,
          idempotencyResponseContext(row.caller_id, 'legacy-plain'),
        ),
      ),
    ).toEqual(JSON.parse(text));
    expect([...row.mentions].sort()).toEqual(
      [recordId, body.links.arrest.slice(-36).toLowerCase()].sort(),
    );
  });
});
