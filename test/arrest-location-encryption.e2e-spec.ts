import { randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';
import { EncryptArrestLocation1764001600000 } from '../migrations/1764001600000-encrypt-arrest-location';
import { ArrestLocationEncryption } from '../src/arrest-records/arrest-location-encryption.service';
import { FieldCipher } from '../src/infrastructure/crypto/field-cipher';
import { actingAs } from './support/http';
import { startTestApp, TestApp } from './support/test-app';
import {
  givenArrestRecord,
  givenCompletedEnrollment,
  givenParticipant,
  givenWorld,
  World,
} from './support/workflow';

const PLACE = '1420 W Figueroa St, motel room 12';
const keyA = randomBytes(32).toString('base64');
const keyB = randomBytes(32).toString('base64');

/** What the arrest_records row holds for this record, as stored. */
const storedLocation = async (db: DataSource, id: string): Promise<string | null> =>
  (
    await db.query<{ location: string | null }[]>(
      `SELECT location FROM arrest_records WHERE id = $1`,
      [id],
    )
  )[0].location;

async function givenRecordAt(t: TestApp, w: World, location: string) {
  const participant = await givenParticipant(t, w.coordinator.token);
  const arrest = await givenArrestRecord(t, w.coordinator.token, participant.id, w.police.id, {
    location,
  });
  return { participant, arrest };
}

const read = (t: TestApp, w: World, id: string) =>
  actingAs(t, w.coordinator.token).get(`/api/v1/arrest-records/${id}`);

describe('arrest locations are encrypted at rest', () => {
  let t: TestApp;
  let w: World;
  let db: DataSource;
  beforeAll(async () => {
    t = await startTestApp({ FIELD_ENCRYPTION_KEYS: `a:${keyA}` });
    w = await givenWorld(t);
    db = t.app.get(DataSource);
  });
  afterAll(() => t.close());

  it('stores ciphertext with its key id; every read path serves the plaintext', async () => {
    const { participant, arrest } = await givenRecordAt(t, w, PLACE);
    const stored = await storedLocation(db, arrest.id);
    expect(stored).toMatch(/^enc:v1:a:/);
    expect(stored).not.toContain('Figueroa');

    const one = await read(t, w, arrest.id).expect(200);
    expect(one.body.location).toBe(PLACE);
    const list = await actingAs(t, w.coordinator.token)
      .get(`/api/v1/participants/${participant.id}/arrest-records`)
      .expect(200);
    expect(list.body.items.map((r: { location: string }) => r.location)).toEqual([PLACE]);
    expect(JSON.stringify([one.body, list.body])).not.toContain('enc:v1');

    // A record without a location stays NULL, not an encrypted empty value.
    const none = await givenArrestRecord(t, w.coordinator.token, participant.id, w.police.id);
    expect(await storedLocation(db, none.id)).toBeNull();

    // The database refuses a plaintext location, whoever writes it.
    await expect(
      db.query(`UPDATE arrest_records SET location = 'plain' WHERE id = $1`, [arrest.id]),
    ).rejects.toThrow(/arrest_records_location_encrypted/);
  });

  it("opens a sealed record's location on the audited purpose read", async () => {
    const { participant, arrest } = await givenRecordAt(t, w, PLACE);
    await givenCompletedEnrollment(t, w, { participant, arrest });
    expect(await storedLocation(db, arrest.id)).toMatch(/^enc:v1:a:/);
    const res = await actingAs(t, w.admin)
      .get(`/api/v1/arrest-records/${arrest.id}`)
      .set('x-access-purpose', 'Audit of a sealed record')
      .expect(200);
    expect(res.body).toMatchObject({ status: 'sealed', location: PLACE });
  });

  it('a value copied onto another record does not open there', async () => {
    const { arrest: source } = await givenRecordAt(t, w, PLACE);
    const { arrest: target } = await givenRecordAt(t, w, 'somewhere else');
    await db.query(
      `UPDATE arrest_records SET location = (SELECT location FROM arrest_records WHERE id = $1)
        WHERE id = $2`,
      [source.id, target.id],
    );
    const res = await read(t, w, target.id);
    expect(res.status).toBe(500);
    expect(res.text).not.toContain('Figueroa');
  });
});

describe('arrest locations: the migration encrypts stored plaintext', () => {
  let t: TestApp;
  let w: World;
  let db: DataSource;
  beforeAll(async () => {
    t = await startTestApp({ FIELD_ENCRYPTION_KEYS: `a:${keyA}` });
    w = await givenWorld(t);
    db = t.app.get(DataSource);
  });
  afterAll(() => t.close());

  it('converts plaintext locations with the service key, leaves encrypted ones and NULL alone, then refuses plaintext', async () => {
    const { arrest: plain } = await givenRecordAt(t, w, 'placeholder');
    const { arrest: encrypted } = await givenRecordAt(t, w, PLACE);
    const { participant } = await givenRecordAt(t, w, 'placeholder');
    const none = await givenArrestRecord(t, w.coordinator.token, participant.id, w.police.id);
    const alreadyStored = await storedLocation(db, encrypted.id);
    // A database from before the migration: the constraint absent, a location in plaintext.
    await db.query(`ALTER TABLE arrest_records DROP CONSTRAINT arrest_records_location_encrypted`);
    await db.query(`UPDATE arrest_records SET location = $2 WHERE id = $1`, [plain.id, PLACE]);

    const saved = {
      keys: process.env.FIELD_ENCRYPTION_KEYS,
      keyId: process.env.FIELD_ENCRYPTION_KEY_ID,
    };
    process.env.FIELD_ENCRYPTION_KEYS = `a:${keyA}`;
    delete process.env.FIELD_ENCRYPTION_KEY_ID;
    const runner = db.createQueryRunner();
    try {
      await runner.startTransaction();
      await new EncryptArrestLocation1764001600000().up(runner);
      await runner.commitTransaction();
    } finally {
      await runner.release();
      if (saved.keys === undefined) delete process.env.FIELD_ENCRYPTION_KEYS;
      else process.env.FIELD_ENCRYPTION_KEYS = saved.keys;
      if (saved.keyId !== undefined) process.env.FIELD_ENCRYPTION_KEY_ID = saved.keyId;
    }

    const converted = await storedLocation(db, plain.id);
    expect(converted).toMatch(/^enc:v1:a:/);
    expect(converted).not.toContain('Figueroa');
    expect(await storedLocation(db, encrypted.id)).toBe(alreadyStored);
    expect(await storedLocation(db, none.id)).toBeNull();
    expect((await read(t, w, plain.id).expect(200)).body.location).toBe(PLACE);
    await expect(
      db.query(`UPDATE arrest_records SET location = 'plain' WHERE id = $1`, [plain.id]),
    ).rejects.toThrow(/arrest_records_location_encrypted/);
  });
});

describe('arrest locations: key rotation re-encrypts to the write key', () => {
  let t: TestApp;
  let w: World;
  let db: DataSource;
  beforeAll(async () => {
    // Key b writes; key a (older) still reads.
    t = await startTestApp({
      FIELD_ENCRYPTION_KEYS: `a:${keyA},b:${keyB}`,
      FIELD_ENCRYPTION_KEY_ID: 'b',
    });
    w = await givenWorld(t);
    db = t.app.get(DataSource);
  });
  afterAll(() => t.close());

  it('moves locations under the old key, and legacy plaintext, to the write key; sealed ones too', async () => {
    const { arrest: old } = await givenRecordAt(t, w, PLACE);
    const legacy = await givenRecordAt(t, w, 'placeholder');
    await givenCompletedEnrollment(t, w, legacy);
    const underA = FieldCipher.of(new Map([['a', Buffer.from(keyA, 'base64')]]), 'a').encrypt(
      PLACE,
      `arrest_records.location:${old.id}`,
    );
    // A value written under key a (an older write key), one left in plaintext from before
    // encryption on a sealed record (constraint lifted for the setup only).
    await db.query(`ALTER TABLE arrest_records DROP CONSTRAINT arrest_records_location_encrypted`);
    await db.query(`UPDATE arrest_records SET location = $2 WHERE id = $1`, [old.id, underA]);
    await db.query(`UPDATE arrest_records SET location = 'Harbor Blvd' WHERE id = $1`, [
      legacy.arrest.id,
    ]);
    const prefixes = async () =>
      [await storedLocation(db, old.id), await storedLocation(db, legacy.arrest.id)].map((value) =>
        value!.split(':').slice(0, 3).join(':'),
      );
    expect(await prefixes()).toEqual(['enc:v1:a', 'Harbor Blvd']);
    // The old key still reads before re-encryption.
    expect((await read(t, w, old.id).expect(200)).body.location).toBe(PLACE);

    const result = await t.app.get(ArrestLocationEncryption).reencryptAll();
    expect(result.reencrypted).toBeGreaterThanOrEqual(2);
    expect(await prefixes()).toEqual(['enc:v1:b', 'enc:v1:b']);
    expect((await t.app.get(ArrestLocationEncryption).reencryptAll()).reencrypted).toBe(0);
    expect((await read(t, w, old.id).expect(200)).body.location).toBe(PLACE);
    const sealed = await actingAs(t, w.admin)
      .get(`/api/v1/arrest-records/${legacy.arrest.id}`)
      .set('x-access-purpose', 'Audit of a sealed record')
      .expect(200);
    expect(sealed.body.location).toBe('Harbor Blvd');
  });
});
