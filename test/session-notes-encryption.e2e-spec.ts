import { randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';
import { SessionNotesEncryption } from '../src/attendance/session-notes-encryption.service';
import { startTestApp, TestApp } from './support/test-app';
import {
  givenActiveEnrollment,
  givenMilestone,
  givenWorld,
  recordAttendance,
} from './support/workflow';

const NOTE = 'Placed at the safe house on 12 Oak Lane';
const keyA = randomBytes(32).toString('base64');
const keyB = randomBytes(32).toString('base64');

describe('session notes are encrypted at rest', () => {
  let t: TestApp;
  let db: DataSource;
  beforeAll(async () => {
    t = await startTestApp({ FIELD_ENCRYPTION_KEYS: `a:${keyA}` });
    db = t.app.get(DataSource);
  });
  afterAll(() => t.close());

  it('stores ciphertext with its key id, serves the plaintext to those who may read it', async () => {
    const w = await givenWorld(t);
    const { enrollment } = await givenActiveEnrollment(t, w);
    const shelter = await givenMilestone(t, w, enrollment.id, {
      category: 'shelter',
      providerAgencyId: w.shelter.id,
      requiredSessions: 5,
    });
    const created = await recordAttendance(t, w.shelterUser.token, shelter.id, {
      notes: NOTE,
    }).expect(201);
    expect(created.body.notes).toBe(NOTE);
    const [row] = await db.query(`SELECT notes FROM attendance_records WHERE id = $1`, [
      created.body.id,
    ]);
    expect(row.notes).toMatch(/^enc:v1:a:/);
    expect(row.notes).not.toContain('Oak');
    const read = await t.http
      .get(`/api/v1/attendance/${created.body.id}`)
      .auth(w.shelterUser.token, { type: 'bearer' })
      .expect(200);
    expect(read.body.notes).toBe(NOTE);
    expect(JSON.stringify(read.body)).not.toContain('enc:v1');
    // The database refuses plaintext notes, whoever writes them.
    await expect(
      db.query(`UPDATE attendance_records SET notes = 'plain' WHERE id = $1`, [created.body.id]),
    ).rejects.toThrow(/attendance_records_notes_encrypted/);
  });
});

describe('key rotation: several keys readable, one for writing, re-encryption', () => {
  let t: TestApp;
  let db: DataSource;
  beforeAll(async () => {
    // Key b writes; key a (older) still reads.
    t = await startTestApp({
      FIELD_ENCRYPTION_KEYS: `a:${keyA},b:${keyB}`,
      FIELD_ENCRYPTION_KEY_ID: 'b',
    });
    db = t.app.get(DataSource);
  });
  afterAll(() => t.close());

  it('re-encrypts notes under the old key, and legacy plaintext, to the write key', async () => {
    const w = await givenWorld(t);
    const { enrollment } = await givenActiveEnrollment(t, w);
    const shelter = await givenMilestone(t, w, enrollment.id, {
      category: 'shelter',
      providerAgencyId: w.shelter.id,
      requiredSessions: 5,
    });
    const first = await recordAttendance(t, w.shelterUser.token, shelter.id, {
      notes: NOTE,
    }).expect(201);
    const second = await recordAttendance(t, w.shelterUser.token, shelter.id, {
      notes: 'second note',
      externalId: 'second',
    }).expect(201);
    // Simulate a value written under key a (an older write key) and one left in plaintext
    // from before encryption (constraint lifted for the setup only).
    const underA = (await import('../src/infrastructure/crypto/field-cipher')).FieldCipher.of(
      new Map([['a', Buffer.from(keyA, 'base64')]]),
      'a',
    ).encrypt(NOTE, `attendance_records.notes:${first.body.id}`);
    await db.query(
      `ALTER TABLE attendance_records DROP CONSTRAINT attendance_records_notes_encrypted`,
    );
    await db.query(`UPDATE attendance_records SET notes = $2 WHERE id = $1`, [
      first.body.id,
      underA,
    ]);
    await db.query(`UPDATE attendance_records SET notes = 'second note' WHERE id = $1`, [
      second.body.id,
    ]);
    const stored = async () =>
      (
        await db.query(`SELECT id, notes FROM attendance_records WHERE milestone_id = $1`, [
          shelter.id,
        ])
      ).map((row: { notes: string }) => row.notes.split(':').slice(0, 3).join(':'));
    expect((await stored()).sort()).toEqual(['enc:v1:a', 'second note']);
    // Old key still readable before re-encryption.
    const before = await t.http
      .get(`/api/v1/attendance/${first.body.id}`)
      .auth(w.shelterUser.token, { type: 'bearer' })
      .expect(200);
    expect(before.body.notes).toBe(NOTE);

    const result = await t.app.get(SessionNotesEncryption).reencryptAll();
    expect(result.reencrypted).toBeGreaterThanOrEqual(2);
    expect(await stored()).toEqual(['enc:v1:b', 'enc:v1:b']);
    expect((await t.app.get(SessionNotesEncryption).reencryptAll()).reencrypted).toBe(0);
    for (const [id, note] of [
      [first.body.id, NOTE],
      [second.body.id, 'second note'],
    ]) {
      const res = await t.http
        .get(`/api/v1/attendance/${id}`)
        .auth(w.shelterUser.token, { type: 'bearer' })
        .expect(200);
      expect(res.body.notes).toBe(note);
    }
  });
});
