import { DataSource } from 'typeorm';
import { givenAgency, givenClient, givenUser } from './support/factories';
import { UNKNOWN_ID } from './support/http';
import { startTestApp, TestApp } from './support/test-app';
import {
  dateOfBirthForAge,
  givenActiveEnrollment,
  givenArrestRecord,
  givenCompletedEnrollment,
  givenEnrollmentPendingReview,
  givenMilestone,
  givenOtherCoordinator,
  givenParticipant,
  givenWorld,
  World,
} from './support/workflow';

/** A problem body without the members that differ per request. */
function comparable(body: Record<string, unknown>): Record<string, unknown> {
  const copy = { ...body };
  delete copy.instance;
  delete copy.requestId;
  return copy;
}

describe('arrest records', () => {
  let t: TestApp;
  let w: World;
  let db: DataSource;

  beforeAll(async () => {
    t = await startTestApp();
    w = await givenWorld(t);
    db = t.app.get(DataSource);
  });
  afterAll(() => t.close());

  const daysAgo = (days: number) => new Date(Date.now() - days * 86400_000).toISOString();
  let booking = 0;
  const validBody = (overrides: Record<string, unknown> = {}) => ({
    arrestingAgencyId: w.police.id,
    bookingNumber: `AR-${Date.now()}-${++booking}`,
    arrestedAt: daysAgo(2),
    charges: [{ code: 'PC 647(b)', description: 'Solicitation' }],
    ...overrides,
  });
  const create = (token: string, participantId: string, body: Record<string, unknown>) =>
    t.http
      .post(`/api/v1/participants/${participantId}/arrest-records`)
      .auth(token, { type: 'bearer' })
      .send(body);
  const get = (token: string, id: string, purpose?: string) => {
    const req = t.http.get(`/api/v1/arrest-records/${id}`).auth(token, { type: 'bearer' });
    return purpose === undefined ? req : req.set('X-Access-Purpose', purpose);
  };
  const list = (
    token: string,
    participantId: string,
    query: Record<string, string | number> = {},
  ) =>
    t.http
      .get(`/api/v1/participants/${participantId}/arrest-records`)
      .query(query)
      .auth(token, { type: 'bearer' });
  const count = async (sql: string, params: unknown[] = []) =>
    Number((await db.query<{ n: string }[]>(sql, params))[0].n);
  const recordsOf = (participantId: string) =>
    count('SELECT count(*) AS n FROM arrest_records WHERE participant_id = $1', [participantId]);
  async function givenRecord(overrides: Record<string, unknown> = {}) {
    const participant = await givenParticipant(t, w.coordinator.token);
    const record = await givenArrestRecord(
      t,
      w.coordinator.token,
      participant.id,
      w.police.id,
      overrides,
    );
    return { participant, record };
  }

  describe('recording', () => {
    it('records an arrest for a participant of the agency', async () => {
      const participant = await givenParticipant(t, w.coordinator.token);
      const body = validBody({
        location: 'Figueroa St',
        charges: [{ code: 'PC 647(b)', description: 'Solicitation' }, { code: 'PC 148' }],
      });
      const res = await create(w.coordinator.token, participant.id, body).expect(201);
      expect(res.body).toEqual({
        id: expect.any(String),
        participantId: participant.id,
        arrestingAgencyId: w.police.id,
        kind: 'arrest',
        bookingNumber: body.bookingNumber,
        arrestedAt: new Date(body.arrestedAt).toISOString(),
        charges: [{ code: 'PC 647(b)', description: 'Solicitation' }, { code: 'PC 148' }],
        location: 'Figueroa St',
        status: 'open',
        sealedAt: null,
        createdAt: expect.any(String),
      });
      const [row] = await db.query<Record<string, string>[]>(
        'SELECT owner_agency_id, created_by FROM arrest_records WHERE id = $1',
        [res.body.id],
      );
      expect(row).toEqual({ owner_agency_id: w.da.id, created_by: w.coordinator.id });
      expect(
        await count(
          `SELECT count(*) AS n FROM audit_events WHERE action = 'arrest_record.created' AND subject_id = $1`,
          [res.body.id],
        ),
      ).toBe(1);
    });

    it('records a detention or a citation as such', async () => {
      const participant = await givenParticipant(t, w.coordinator.token);
      const res = await create(
        w.coordinator.token,
        participant.id,
        validBody({ kind: 'detention' }),
      ).expect(201);
      expect(res.body.kind).toBe('detention');
      await create(w.coordinator.token, participant.id, validBody({ kind: 'custody' })).expect(400);
    });

    it('accepts a 17-year-old arrested two years ago', async () => {
      const participant = await givenParticipant(t, w.coordinator.token, {
        dateOfBirth: dateOfBirthForAge(17),
      });
      await create(
        w.coordinator.token,
        participant.id,
        validBody({ arrestedAt: daysAgo(730) }),
      ).expect(201);
    });

    it('refuses with arrest-record-not-minor when the participant was 18 on the date of the arrest, and writes nothing', async () => {
      const participant = await givenParticipant(t, w.coordinator.token);
      // Registered as a minor long ago; 18 on 2025-06-15. Time passing is the only way there:
      // registration refuses adults and no route corrects a date of birth yet.
      await db.query(`UPDATE participants SET date_of_birth = '2007-06-15' WHERE id = $1`, [
        participant.id,
      ]);
      const refused = await create(
        w.coordinator.token,
        participant.id,
        validBody({ arrestedAt: '2025-06-15T00:30:00-07:00' }),
      ).expect(422);
      expect(refused.body.type).toMatch(/:arrest-record-not-minor$/);
      expect(await recordsOf(participant.id)).toBe(0);
      // The date as written in its own offset counts: 06-14 in Los Angeles, though already 06-15 in UTC.
      await create(
        w.coordinator.token,
        participant.id,
        validBody({ arrestedAt: '2025-06-14T23:30:00-07:00' }),
      ).expect(201);
    });

    it('refuses an arrest in the future or before birth with 400 on arrestedAt, and writes nothing', async () => {
      const participant = await givenParticipant(t, w.coordinator.token, {
        dateOfBirth: dateOfBirthForAge(15),
      });
      const future = await create(
        w.coordinator.token,
        participant.id,
        validBody({ arrestedAt: new Date(Date.now() + 86400_000).toISOString() }),
      ).expect(400);
      expect(future.body.errors).toEqual([
        { field: 'arrestedAt', message: expect.stringMatching(/future/) },
      ]);
      const beforeBirth = await create(
        w.coordinator.token,
        participant.id,
        validBody({ arrestedAt: new Date(Date.now() - 16 * 365 * 86400_000).toISOString() }),
      ).expect(400);
      expect(beforeBirth.body.errors).toEqual([
        { field: 'arrestedAt', message: expect.any(String) },
      ]);
      expect(await recordsOf(participant.id)).toBe(0);
    });

    it('requires a time zone offset on arrestedAt', async () => {
      const participant = await givenParticipant(t, w.coordinator.token);
      for (const arrestedAt of ['2025-01-05T10:00:00', '2025-01-05', 'yesterday']) {
        const res = await create(
          w.coordinator.token,
          participant.id,
          validBody({ arrestedAt }),
        ).expect(400);
        expect(res.body.errors).toEqual([{ field: 'arrestedAt', message: expect.any(String) }]);
      }
    });

    it('requires the arresting agency to be a law enforcement agency', async () => {
      const participant = await givenParticipant(t, w.coordinator.token);
      for (const arrestingAgencyId of [w.clinic.id, w.da.id, UNKNOWN_ID]) {
        const res = await create(
          w.coordinator.token,
          participant.id,
          validBody({ arrestingAgencyId }),
        ).expect(422);
        expect(res.body.type).toMatch(/:arresting-agency-invalid$/);
      }
      expect(await recordsOf(participant.id)).toBe(0);
    });

    it('refuses a booking number the arresting agency already has (409), but not another agency', async () => {
      const participant = await givenParticipant(t, w.coordinator.token);
      const body = validBody();
      await create(w.coordinator.token, participant.id, body).expect(201);
      const again = await create(w.coordinator.token, participant.id, {
        ...body,
        arrestedAt: daysAgo(1),
      }).expect(409);
      expect(again.body.type).toMatch(/:arrest-record-booking-number-taken$/);
      expect(await recordsOf(participant.id)).toBe(1);
      const sheriff = await givenAgency(t, w.admin, { kind: 'law_enforcement' });
      await create(w.coordinator.token, participant.id, {
        ...body,
        arrestingAgencyId: sheriff.id,
      }).expect(201);
    });

    it('validates charges: 1 to 20, each with a code, nothing else', async () => {
      const participant = await givenParticipant(t, w.coordinator.token);
      const cases: [unknown, string][] = [
        [[], 'charges'],
        [Array.from({ length: 21 }, (_, i) => ({ code: `C${i}` })), 'charges'],
        [[{ description: 'no code' }], 'charges.0.code'],
        [[{ code: 'PC 1', severity: 'high' }], 'charges.0.severity'],
        ['PC 1', 'charges'],
      ];
      for (const [charges, field] of cases) {
        const res = await create(
          w.coordinator.token,
          participant.id,
          validBody({ charges }),
        ).expect(400);
        expect((res.body.errors as { field: string }[]).map((e) => e.field)).toContain(field);
      }
      await create(
        w.coordinator.token,
        participant.id,
        validBody({ charges: Array.from({ length: 20 }, (_, i) => ({ code: `C${i}` })) }),
      ).expect(201);
    });

    it("answers 404 for another agency's participant and writes nothing", async () => {
      const participant = await givenParticipant(t, w.coordinator.token);
      const other = await givenOtherCoordinator(t, w);
      const foreign = await create(other.token, participant.id, validBody()).expect(404);
      const unknown = await create(other.token, UNKNOWN_ID, validBody()).expect(404);
      expect(comparable(foreign.body)).toEqual(comparable(unknown.body));
      expect(await recordsOf(participant.id)).toBe(0);
    });

    it('is for coordinators and admins only', async () => {
      const participant = await givenParticipant(t, w.coordinator.token);
      await create(w.clinicUser.token, participant.id, validBody()).expect(403);
      await create(w.clerk.token, participant.id, validBody()).expect(403);
      const client = await givenClient(t, w.admin, {
        agencyId: w.police.id,
        scopes: ['participants:read'],
      });
      await create(client.token, participant.id, validBody()).expect(403);
      await create(w.admin, participant.id, validBody()).expect(201);
    });
  });

  describe('reading', () => {
    it('returns a record to its agency and audits the read', async () => {
      const { participant, record } = await givenRecord();
      const res = await get(w.coordinator.token, record.id).expect(200);
      expect(res.body).toMatchObject({
        id: record.id,
        participantId: participant.id,
        status: 'open',
        sealedAt: null,
      });
      expect(
        await count(
          `SELECT count(*) AS n FROM audit_events WHERE action = 'arrest_record.read' AND subject_id = $1 AND actor_id = $2`,
          [record.id, w.coordinator.id],
        ),
      ).toBe(1);
    });

    it("answers another agency's record, list and participant exactly like unknown ones", async () => {
      const { participant, record } = await givenRecord();
      const other = await givenOtherCoordinator(t, w);
      const foreign = await get(other.token, record.id).expect(404);
      const unknown = await get(other.token, UNKNOWN_ID).expect(404);
      expect(comparable(foreign.body)).toEqual(comparable(unknown.body));
      await list(other.token, participant.id).expect(404);
      // Nothing disclosed (only the sign-in succeeded); the three refusals are on the trail.
      expect(
        await count(
          `SELECT count(*) AS n FROM audit_events
            WHERE actor_id = $1 AND outcome = 'success' AND action <> 'auth.login'`,
          [other.id],
        ),
      ).toBe(0);
      expect(
        await count(
          `SELECT count(*) AS n FROM audit_events WHERE actor_id = $1 AND outcome = 'denied'`,
          [other.id],
        ),
      ).toBe(3);
    });

    it('never shows arrest records to providers, even for a participant they serve', async () => {
      const { participant, record } = await givenRecord();
      const { enrollment } = await givenActiveEnrollment(t, w, { participant, arrest: record });
      await givenMilestone(t, w, enrollment.id, {
        category: 'mental_health',
        providerAgencyId: w.clinic.id,
        requiredSessions: 1,
      });
      const res = await get(w.clinicUser.token, record.id).expect(404);
      expect(comparable(res.body)).toEqual(
        comparable((await get(w.clinicUser.token, UNKNOWN_ID).expect(404)).body),
      );
      // The participant is theirs to see; the arrest behind it is not.
      await t.http
        .get(`/api/v1/participants/${participant.id}`)
        .auth(w.clinicUser.token, { type: 'bearer' })
        .expect(200);
      const listed = await list(w.clinicUser.token, participant.id).expect(200);
      expect(listed.body).toEqual({ items: [], nextCursor: null });
    });

    it('shows court users the record of an enrollment under their review, and no other', async () => {
      const { participant, record } = await givenRecord();
      await get(w.clerk.token, record.id).expect(404);
      await givenEnrollmentPendingReview(t, w, { participant, arrest: record });
      await get(w.clerk.token, record.id).expect(200);
    });

    it('shows partner systems the records of their own arrests only', async () => {
      const { record } = await givenRecord();
      const police = await givenClient(t, w.admin, {
        agencyId: w.police.id,
        scopes: ['participants:read'],
      });
      await get(police.token, record.id).expect(200);
      const sheriff = await givenAgency(t, w.admin, { kind: 'law_enforcement' });
      const other = await givenClient(t, w.admin, {
        agencyId: sheriff.id,
        scopes: ['participants:read'],
      });
      await get(other.token, record.id).expect(404);
    });

    it("lists a participant's records page by page without repeats", async () => {
      const participant = await givenParticipant(t, w.coordinator.token);
      const ids: string[] = [];
      for (let i = 0; i < 5; i++)
        ids.push((await givenArrestRecord(t, w.coordinator.token, participant.id, w.police.id)).id);
      const seen: string[] = [];
      let cursor: string | undefined;
      do {
        const res = await list(w.coordinator.token, participant.id, {
          limit: 2,
          ...(cursor ? { cursor } : {}),
        }).expect(200);
        seen.push(...(res.body.items as { id: string }[]).map((r) => r.id));
        cursor = res.body.nextCursor ?? undefined;
      } while (cursor);
      expect(seen).toEqual(ids);
      expect(
        await count(
          `SELECT count(*) AS n FROM audit_events WHERE action = 'arrest_record.listed' AND subject_id = ANY($1::uuid[])`,
          [ids],
        ),
      ).toBe(5);
    });
  });

  describe('a sealed record', () => {
    let participantId: string;
    let sealedId: string;
    let openId: string;

    beforeAll(async () => {
      const participant = await givenParticipant(t, w.coordinator.token);
      participantId = participant.id;
      const sealed = await givenArrestRecord(t, w.coordinator.token, participantId, w.police.id);
      sealedId = sealed.id;
      openId = (await givenArrestRecord(t, w.coordinator.token, participantId, w.police.id)).id;
      // The court (w.clerk's) confirms the completion of its enrollment: that seals it.
      await givenCompletedEnrollment(t, w, { participant, arrest: sealed });
    });

    it('answers every ordinary read with a 404 identical to an unknown id', async () => {
      const police = await givenClient(t, w.admin, {
        agencyId: w.police.id,
        scopes: ['participants:read'],
      });
      for (const token of [
        w.coordinator.token,
        w.admin,
        w.clerk.token,
        w.clinicUser.token,
        police.token,
      ]) {
        const sealed = await get(token, sealedId).expect(404);
        const unknown = await get(token, UNKNOWN_ID).expect(404);
        expect(sealed.headers['content-type']).toBe(unknown.headers['content-type']);
        expect(JSON.stringify(comparable(sealed.body))).toBe(
          JSON.stringify(comparable(unknown.body)),
        );
      }
    });

    it('leaves it out of the participant list, whoever asks and whatever purpose they state', async () => {
      for (const token of [w.coordinator.token, w.admin]) {
        const res = await list(token, participantId)
          .set('X-Access-Purpose', 'Appeal hearing')
          .expect(200);
        expect((res.body.items as { id: string }[]).map((r) => r.id)).toEqual([openId]);
      }
    });

    it('keeps the participant readable without revealing the sealed arrest', async () => {
      const res = await t.http
        .get(`/api/v1/participants/${participantId}`)
        .auth(w.coordinator.token, { type: 'bearer' })
        .expect(200);
      const text = JSON.stringify(res.body);
      expect(text).not.toContain(sealedId);
      expect(text).not.toMatch(/PC 647|booking|arrest/i);
    });

    it('is the same 404 for a coordinator who states a purpose', async () => {
      const res = await get(w.coordinator.token, sealedId, 'Curiosity').expect(404);
      expect(comparable(res.body)).toEqual(
        comparable((await get(w.coordinator.token, UNKNOWN_ID).expect(404)).body),
      );
    });

    it('opens to an admin stating a purpose, and audits the access with it', async () => {
      const purpose = `Court order CO-1 review ${Date.now()}`;
      const res = await get(w.admin, sealedId, purpose).expect(200);
      expect(res.body).toMatchObject({
        id: sealedId,
        participantId,
        status: 'sealed',
        sealedAt: expect.any(String),
      });
      const entries = await db.query<Record<string, string>[]>(
        `SELECT actor_kind, action, subject_type, purpose FROM audit_events WHERE subject_id = $1 AND purpose = $2`,
        [sealedId, purpose],
      );
      expect(entries).toEqual([
        {
          actor_kind: 'user',
          action: 'arrest_record.sealed_read',
          subject_type: 'arrest_record',
          purpose,
        },
      ]);
    });

    it('opens to the court that decided the case, with a purpose, and to no other court', async () => {
      const purpose = 'Petition to access sealed record, case 24-JV-001';
      const res = await get(w.clerk.token, sealedId, purpose).expect(200);
      expect(res.body.status).toBe('sealed');
      expect(
        await count(
          `SELECT count(*) AS n FROM audit_events WHERE subject_id = $1 AND actor_id = $2 AND action = 'arrest_record.sealed_read' AND purpose = $3`,
          [sealedId, w.clerk.id, purpose],
        ),
      ).toBe(1);
      const otherCourt = await givenAgency(t, w.admin, { kind: 'court' });
      const otherClerk = await givenUser(t, w.admin, { role: 'court', agencyId: otherCourt.id });
      await get(otherClerk.token, sealedId, purpose).expect(404);
    });

    it('records a refused attempt as denied, with the purpose it claimed, and no read', async () => {
      const successes = `SELECT count(*) AS n FROM audit_events WHERE subject_id = $1 AND outcome = 'success'`;
      const before = await count(successes, [sealedId]);
      const [{ last }] = await db.query(
        `SELECT coalesce(max(position), 0)::text AS last FROM audit_events`,
      );
      await get(w.coordinator.token, sealedId, 'Nosy').expect(404);
      await get(w.clerk.token, sealedId).expect(404);
      expect(await count(successes, [sealedId])).toBe(before);
      expect(
        await db.query(
          `SELECT actor_id, action, purpose FROM audit_events
            WHERE subject_id = $1 AND outcome = 'denied' AND position > $2 ORDER BY position`,
          [sealedId, last],
        ),
      ).toEqual([
        { actor_id: w.coordinator.id, action: 'arrest_record.read', purpose: 'Nosy' },
        { actor_id: w.clerk.id, action: 'arrest_record.read', purpose: null },
      ]);
    });

    it('reads an open record normally when a purpose is stated, recording the purpose', async () => {
      const res = await get(w.admin, openId, 'Routine check').expect(200);
      expect(res.body.status).toBe('open');
      expect(
        await count(
          `SELECT count(*) AS n FROM audit_events WHERE subject_id = $1 AND action = 'arrest_record.read' AND purpose = 'Routine check'`,
          [openId],
        ),
      ).toBe(1);
    });

    it('refuses a blank or over-long purpose with 400', async () => {
      for (const purpose of ['   ', 'x'.repeat(501)]) {
        const res = await get(w.admin, sealedId, purpose).expect(400);
        expect(res.body.errors).toEqual([
          { field: 'X-Access-Purpose', message: expect.any(String) },
        ]);
      }
      await get(w.admin, sealedId, 'x'.repeat(500)).expect(200);
    });
  });
});
