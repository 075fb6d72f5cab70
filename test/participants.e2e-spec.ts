import { DataSource } from 'typeorm';
import { givenAgency, givenClient, givenUser } from './support/factories';
import { startTestApp, TestApp } from './support/test-app';
import {
  dateOfBirthForAge,
  givenEnrollment,
  givenEnrollmentPendingReview,
  givenOtherCoordinator,
  givenParticipant,
  givenWorld,
  World,
} from './support/workflow';

describe('participants', () => {
  let t: TestApp;
  let w: World;
  let db: DataSource;

  beforeAll(async () => {
    t = await startTestApp();
    w = await givenWorld(t);
    db = t.app.get(DataSource);
  });
  afterAll(() => t.close());

  const register = (token: string, body: Record<string, unknown>) =>
    t.http.post('/api/v1/participants').auth(token, { type: 'bearer' }).send(body);
  const get = (token: string, id: string) =>
    t.http.get(`/api/v1/participants/${id}`).auth(token, { type: 'bearer' });
  const search = (token: string, query: Record<string, string | number>) =>
    t.http.get('/api/v1/participants').query(query).auth(token, { type: 'bearer' });
  const count = async (sql: string, params: unknown[] = []) =>
    Number((await db.query<{ n: string }[]>(sql, params))[0].n);
  const participantCount = () => count('SELECT count(*) AS n FROM participants');

  describe('registration', () => {
    it('registers a minor with a case number from the database sequence', async () => {
      const res = await register(w.coordinator.token, {
        firstName: '  María ',
        lastName: 'López',
        dateOfBirth: dateOfBirthForAge(15),
        gender: 'female',
        preferredLanguage: 'es',
        guardian: { name: 'Rosa López', phone: '+1 213 555 0100', relationship: 'mother' },
      }).expect(201);
      expect(res.body).toEqual({
        id: expect.any(String),
        possibleDuplicates: [],
        caseNumber: expect.stringMatching(/^FS-\d{4}-\d{6,}$/),
        firstName: 'María',
        lastName: 'López',
        dateOfBirth: dateOfBirthForAge(15),
        gender: 'female',
        preferredLanguage: 'es',
        guardian: { name: 'Rosa López', phone: '+1 213 555 0100', relationship: 'mother' },
        createdAt: expect.any(String),
      });
      expect(res.body.caseNumber.slice(3, 7)).toBe(String(new Date().getUTCFullYear()));
      const [row] = await db.query<Record<string, string>[]>(
        'SELECT owner_agency_id, first_name_key, last_name_key, created_by FROM participants WHERE id = $1',
        [res.body.id],
      );
      expect(row).toEqual({
        owner_agency_id: w.da.id,
        first_name_key: 'maria',
        last_name_key: 'lopez',
        created_by: w.coordinator.id,
      });
    });

    it('emits participant.created with ids only and audits the registration, in the same transaction', async () => {
      const { id } = await givenParticipant(t, w.coordinator.token, {
        firstName: 'Evento',
        lastName: 'Sinnombre',
      });
      const events = await db.query<{ agency_id: string; data: Record<string, unknown> }[]>(
        `SELECT agency_id, data FROM outbox_events WHERE type = 'participant.created' AND data->>'participantId' = $1`,
        [id],
      );
      expect(events).toEqual([{ agency_id: w.da.id, data: { participantId: id } }]);
      expect(JSON.stringify(events)).not.toMatch(/Evento|Sinnombre/);
      expect(
        await count(
          `SELECT count(*) AS n FROM audit_events WHERE action = 'participant.created' AND subject_id = $1 AND actor_id = $2`,
          [id, w.coordinator.id],
        ),
      ).toBe(1);
    });

    it('gives 10 parallel registrations 10 distinct case numbers', async () => {
      const results = await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          register(w.coordinator.token, {
            firstName: `Par${i}`,
            lastName: 'Allel',
            dateOfBirth: dateOfBirthForAge(14),
          }),
        ),
      );
      expect(results.map((r) => r.status)).toEqual(Array(10).fill(201));
      const caseNumbers = results.map((r) => r.body.caseNumber as string);
      expect(new Set(caseNumbers).size).toBe(10);
      for (const caseNumber of caseNumbers) expect(caseNumber).toMatch(/^FS-\d{4}-\d{6,}$/);
    });

    it('refuses an adult with participant-not-minor and writes nothing', async () => {
      const before = await participantCount();
      const events = await count(
        `SELECT count(*) AS n FROM outbox_events WHERE type = 'participant.created'`,
      );
      const res = await register(w.coordinator.token, {
        firstName: 'Grown',
        lastName: 'Up',
        dateOfBirth: dateOfBirthForAge(18),
      }).expect(422);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.body.type).toMatch(/:participant-not-minor$/);
      expect(await participantCount()).toBe(before);
      expect(
        await count(`SELECT count(*) AS n FROM outbox_events WHERE type = 'participant.created'`),
      ).toBe(events);
    });

    it('accepts the day before the 18th birthday and refuses the birthday itself', async () => {
      const now = new Date();
      const birthday = (daysFromToday: number) => {
        const d = new Date(
          Date.UTC(now.getUTCFullYear() - 18, now.getUTCMonth(), now.getUTCDate() + daysFromToday),
        );
        return d.toISOString().slice(0, 10);
      };
      await register(w.coordinator.token, {
        firstName: 'Almost',
        lastName: 'Eighteen',
        dateOfBirth: birthday(1),
      }).expect(201);
      const res = await register(w.coordinator.token, {
        firstName: 'Just',
        lastName: 'Eighteen',
        dateOfBirth: birthday(0),
      }).expect(422);
      expect(res.body.type).toMatch(/:participant-not-minor$/);
    });

    it('refuses a date of birth in the future, or not a real date, with 400 on that field', async () => {
      const before = await participantCount();
      const future = new Date(Date.now() + 2 * 86400_000).toISOString().slice(0, 10);
      for (const dateOfBirth of [future, '2012-02-30', '2012-1-5', '15/04/2012']) {
        const res = await register(w.coordinator.token, {
          firstName: 'A',
          lastName: 'B',
          dateOfBirth,
        }).expect(400);
        expect(res.body.errors).toEqual([{ field: 'dateOfBirth', message: expect.any(String) }]);
      }
      expect(await participantCount()).toBe(before);
    });

    it('validates every field, nested guardian included, and refuses unknown fields', async () => {
      const res = await register(w.coordinator.token, {
        firstName: '   ',
        lastName: 'x'.repeat(101),
        dateOfBirth: dateOfBirthForAge(12),
        guardian: { name: 'Rosa', relationship: 'mother', email: 'rosa@example.test' },
        ssn: '123',
      }).expect(400);
      const fields = (res.body.errors as { field: string }[]).map((e) => e.field).sort();
      expect(fields).toEqual(['firstName', 'guardian.email', 'lastName', 'ssn']);
      expect(JSON.stringify(res.body)).not.toContain('rosa@example.test');
    });

    it('registers once when a request is retried with the same Idempotency-Key', async () => {
      const before = await participantCount();
      const body = { firstName: 'Retry', lastName: 'Once', dateOfBirth: dateOfBirthForAge(16) };
      const key = `register-${Date.now()}`;
      const first = await register(w.coordinator.token, body)
        .set('Idempotency-Key', key)
        .expect(201);
      const again = await register(w.coordinator.token, body)
        .set('Idempotency-Key', key)
        .expect(201);
      expect(again.headers['idempotent-replayed']).toBe('true');
      expect(again.body).toEqual(first.body);
      expect(await participantCount()).toBe(before + 1);
    });

    it('is for coordinators and admins only', async () => {
      const body = { firstName: 'No', lastName: 'Access', dateOfBirth: dateOfBirthForAge(13) };
      await register(w.clinicUser.token, body).expect(403);
      await register(w.clerk.token, body).expect(403);
      const client = await givenClient(t, w.admin, {
        agencyId: w.da.id,
        scopes: ['participants:read'],
      });
      await register(client.token, body).expect(403);
      await t.http.post('/api/v1/participants').send(body).expect(401);
      const res = await register(w.admin, body).expect(201);
      expect(res.body.caseNumber).toMatch(/^FS-/);
    });
  });

  describe('reading one', () => {
    it('returns the participant to its agency and audits the read', async () => {
      const created = await givenParticipant(t, w.coordinator.token, {
        guardian: { name: 'G', relationship: 'aunt' },
      });
      const res = await get(w.coordinator.token, created.id).expect(200);
      expect(res.body).toMatchObject({
        id: created.id,
        caseNumber: created.caseNumber,
        firstName: 'Maria',
        guardian: { name: 'G', relationship: 'aunt' },
      });
      expect(Object.keys(res.body)).not.toEqual(expect.arrayContaining(['arrestRecords']));
      expect(
        await count(
          `SELECT count(*) AS n FROM audit_events WHERE action = 'participant.read' AND subject_type = 'participant'
             AND subject_id = $1 AND actor_id = $2`,
          [created.id, w.coordinator.id],
        ),
      ).toBe(1);
    });

    it("answers another agency's participant exactly like an unknown id, and audits the refusal", async () => {
      const created = await givenParticipant(t, w.coordinator.token);
      const other = await givenOtherCoordinator(t, w);
      const foreign = await get(other.token, created.id).expect(404);
      const unknown = await get(other.token, '00000000-0000-4000-8000-000000000000').expect(404);
      const strip = (body: Record<string, unknown>) => {
        const copy = { ...body };
        delete copy.instance;
        delete copy.requestId;
        return copy;
      };
      expect(strip(foreign.body)).toEqual(strip(unknown.body));
      expect(foreign.body.type).toMatch(/:not-found$/);
      const outcomes = async (subjectId: string) =>
        db.query(
          `SELECT outcome, action FROM audit_events WHERE subject_id = $1 AND actor_id = $2`,
          [subjectId, other.id],
        );
      // Refused, and on the trail as refused, the same way for a real and an unknown id.
      expect(await outcomes(created.id)).toEqual([
        { outcome: 'denied', action: 'participant.read' },
      ]);
      expect(await outcomes('00000000-0000-4000-8000-000000000000')).toEqual([
        { outcome: 'denied', action: 'participant.read' },
      ]);
    });

    it('refuses a malformed id with 400', async () => {
      await get(w.coordinator.token, 'not-a-uuid').expect(400);
    });

    it('hides participants from providers and court users with no enrollment to them', async () => {
      const created = await givenParticipant(t, w.coordinator.token);
      await get(w.clinicUser.token, created.id).expect(404);
      await get(w.clerk.token, created.id).expect(404);
    });

    it('shows providers and court users only what they need once an enrollment links them', async () => {
      const created = await givenParticipant(t, w.coordinator.token, {
        gender: 'female',
        preferredLanguage: 'es',
        guardian: { name: 'Rosa', phone: '+1 555 0100', relationship: 'mother' },
      });
      // An enrollment under review with a clinic milestone links the clinic and the court.
      await givenEnrollmentPendingReview(t, w, { participant: created });

      const provider = await get(w.clinicUser.token, created.id).expect(200);
      expect(provider.body).toEqual({
        id: created.id,
        caseNumber: created.caseNumber,
        firstName: 'Maria',
        lastName: 'Lopez',
        dateOfBirth: expect.any(String),
        gender: 'female',
        preferredLanguage: 'es',
        guardian: { name: 'Rosa', relationship: 'mother' },
        createdAt: expect.any(String),
      });

      const court = await get(w.clerk.token, created.id).expect(200);
      expect(court.body).toEqual({
        id: created.id,
        caseNumber: created.caseNumber,
        firstName: 'Maria',
        lastName: 'Lopez',
        dateOfBirth: expect.any(String),
        createdAt: expect.any(String),
      });

      // A provider not on the plan still sees nothing.
      await get(w.shelterUser.token, created.id).expect(404);
    });

    it('shows partner systems of the agency the case number only, and nothing to other agencies', async () => {
      const created = await givenParticipant(t, w.coordinator.token);
      const mine = await givenClient(t, w.admin, {
        agencyId: w.da.id,
        scopes: ['participants:read'],
      });
      const res = await get(mine.token, created.id).expect(200);
      expect(res.body).toEqual({
        id: created.id,
        caseNumber: created.caseNumber,
        createdAt: expect.any(String),
      });

      const police = await givenClient(t, w.admin, {
        agencyId: w.police.id,
        scopes: ['participants:read'],
      });
      await get(police.token, created.id).expect(404);
      const unscoped = await givenClient(t, w.admin, {
        agencyId: w.da.id,
        scopes: ['events:read'],
      });
      await get(unscoped.token, created.id).expect(403);
    });

    it('is closed to auditors (they read the audit trail, not records)', async () => {
      const system = await givenAgency(t, w.admin, { kind: 'system' });
      const auditor = await givenUser(t, w.admin, { role: 'auditor', agencyId: system.id });
      const created = await givenParticipant(t, w.coordinator.token);
      await get(auditor.token, created.id).expect(403);
    });
  });

  describe('search', () => {
    it('finds by case- and accent-insensitive prefix of the first or last name', async () => {
      const jose = await givenParticipant(t, w.coordinator.token, {
        firstName: 'José',
        lastName: 'Muñoz-Quintero',
      });
      const ids = async (q: string) => {
        const res = await search(w.coordinator.token, { search: q, limit: 500 }).expect(200);
        return (res.body.items as { id: string }[]).map((p) => p.id);
      };
      for (const q of [
        'jose',
        'JOS',
        'josé',
        'Jo',
        'muñoz',
        'MUNOZ-q',
        'mun',
        'José Mu',
        'jose munoz',
      ]) {
        expect(await ids(q)).toContain(jose.id);
      }
      for (const q of ['ose', 'quintero', 'josex', 'munoz jose']) {
        expect(await ids(q)).not.toContain(jose.id);
      }
    });

    it("treats LIKE's wildcards literally", async () => {
      const created = await givenParticipant(t, w.coordinator.token, {
        firstName: 'Wildcard',
        lastName: 'Person',
      });
      for (const q of ['%', '_ildcard', 'w%d']) {
        const res = await search(w.coordinator.token, { search: q, limit: 500 }).expect(200);
        expect((res.body.items as { id: string }[]).map((p) => p.id)).not.toContain(created.id);
      }
    });

    it('finds by exact case number, whatever its case', async () => {
      const created = await givenParticipant(t, w.coordinator.token);
      for (const q of [
        created.caseNumber,
        created.caseNumber.toLowerCase(),
        ` ${created.caseNumber} `,
      ]) {
        const res = await search(w.coordinator.token, { search: q }).expect(200);
        expect((res.body.items as { id: string }[]).map((p) => p.id)).toEqual([created.id]);
      }
      const partial = await search(w.coordinator.token, {
        search: created.caseNumber.slice(0, -1),
        limit: 500,
      }).expect(200);
      expect((partial.body.items as { id: string }[]).map((p) => p.id)).not.toContain(created.id);
    });

    it('walks every page exactly once, and audits each participant it shows', async () => {
      const lastName = `Pager${Date.now()}`;
      const created: string[] = [];
      for (let i = 0; i < 7; i++)
        created.push((await givenParticipant(t, w.coordinator.token, { lastName })).id);
      const seen: string[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const res = await search(w.coordinator.token, {
          search: lastName,
          limit: 3,
          ...(cursor ? { cursor } : {}),
        }).expect(200);
        seen.push(...(res.body.items as { id: string }[]).map((p) => p.id));
        cursor = res.body.nextCursor ?? undefined;
        pages++;
      } while (cursor);
      expect(pages).toBe(3);
      expect(seen).toEqual(created);
      expect(
        await count(
          `SELECT count(*) AS n FROM audit_events WHERE action = 'participant.listed' AND subject_id = ANY($1::uuid[])`,
          [created],
        ),
      ).toBe(7);
    });

    it('keeps pages apart when rows share a timestamp to the microsecond', async () => {
      const lastName = `Sametime${Date.now()}`;
      const ids: string[] = [];
      for (let i = 0; i < 4; i++)
        ids.push((await givenParticipant(t, w.coordinator.token, { lastName })).id);
      // Rows sharing one microsecond happen under load but cannot be forced through the API.
      await db.query(
        `UPDATE participants SET created_at = '2026-01-01T00:00:00.123456Z' WHERE id = ANY($1::uuid[])`,
        [ids],
      );
      const seen: string[] = [];
      let cursor: string | undefined;
      do {
        const res = await search(w.coordinator.token, {
          search: lastName,
          limit: 1,
          ...(cursor ? { cursor } : {}),
        }).expect(200);
        seen.push(...(res.body.items as { id: string }[]).map((p) => p.id));
        cursor = res.body.nextCursor ?? undefined;
      } while (cursor);
      expect([...seen].sort()).toEqual([...ids].sort());
    });

    it('refuses a cursor it did not issue', async () => {
      const res = await search(w.coordinator.token, { cursor: 'bm90LWEtY3Vyc29y' }).expect(400);
      expect(res.body.errors).toEqual([{ field: 'cursor', message: expect.any(String) }]);
    });

    it("never returns another agency's participants", async () => {
      const lastName = `Scoped${Date.now()}`;
      const mine = await givenParticipant(t, w.coordinator.token, { lastName });
      const other = await givenOtherCoordinator(t, w);
      const theirs = await givenParticipant(t, other.token, { lastName });
      const asMe = await search(w.coordinator.token, { search: lastName }).expect(200);
      expect((asMe.body.items as { id: string }[]).map((p) => p.id)).toEqual([mine.id]);
      const asThem = await search(other.token, { search: lastName }).expect(200);
      expect((asThem.body.items as { id: string }[]).map((p) => p.id)).toEqual([theirs.id]);
      const byCaseNumber = await search(other.token, { search: mine.caseNumber }).expect(200);
      expect(byCaseNumber.body.items).toEqual([]);
      const asProvider = await search(w.shelterUser.token, { search: lastName }).expect(200);
      expect(asProvider.body.items).toEqual([]);
    });

    it("finds another agency's participant once an enrollment of theirs is the caller agency's", async () => {
      // An enrollment owned by an agency that did not register its participant (an admin's,
      // made here directly): the search's per-row probe of the participant's enrollments.
      const lastName = `Enrolled${Date.now()}`;
      const participant = await givenParticipant(t, w.coordinator.token, { lastName });
      const { enrollment } = await givenEnrollment(t, w, {}, { participant });
      const other = await givenOtherCoordinator(t, w);
      const before = await search(other.token, { search: lastName }).expect(200);
      expect(before.body.items).toEqual([]);
      await db.query(`UPDATE enrollments SET owner_agency_id = $2 WHERE id = $1`, [
        enrollment.id,
        other.agencyId,
      ]);
      const after = await search(other.token, { search: lastName }).expect(200);
      expect((after.body.items as { id: string }[]).map((p) => p.id)).toEqual([participant.id]);
      const byCase = await search(other.token, { search: participant.caseNumber }).expect(200);
      expect((byCase.body.items as { id: string }[]).map((p) => p.id)).toEqual([participant.id]);
    });

    it("never finds another agency's participant through a third agency's enrollment", async () => {
      // The coordinators' search reads "enrollments of another agency's participant" from one
      // index across agencies: only the caller agency's enrollments may open a participant.
      const lastName = `Linked${Date.now()}`;
      const participant = await givenParticipant(t, w.coordinator.token, { lastName });
      const { enrollment } = await givenEnrollment(t, w, {}, { participant });
      const enrolling = await givenOtherCoordinator(t, w);
      const unrelated = await givenOtherCoordinator(t, w);
      await db.query(`UPDATE enrollments SET owner_agency_id = $2 WHERE id = $1`, [
        enrollment.id,
        enrolling.agencyId,
      ]);
      const found = await search(enrolling.token, { search: lastName }).expect(200);
      expect((found.body.items as { id: string }[]).map((p) => p.id)).toEqual([participant.id]);
      for (const query of [lastName, participant.caseNumber]) {
        const res = await search(unrelated.token, { search: query }).expect(200);
        expect(res.body.items).toEqual([]);
      }
    });

    it('finds for a provider the participants whose plan it delivers, and no others', async () => {
      const lastName = `Served${Date.now()}`;
      const served = await givenParticipant(t, w.coordinator.token, { lastName });
      await givenParticipant(t, w.coordinator.token, { lastName }); // no enrollment
      // An enrollment with a clinic milestone links the clinic, not the shelter.
      await givenEnrollmentPendingReview(t, w, { participant: served });
      const asClinic = await search(w.clinicUser.token, { search: lastName }).expect(200);
      expect((asClinic.body.items as { id: string }[]).map((p) => p.id)).toEqual([served.id]);
      const asShelter = await search(w.shelterUser.token, { search: lastName }).expect(200);
      expect(asShelter.body.items).toEqual([]);
    });

    it('lets partner systems find by case number only, never by name', async () => {
      const lastName = `Partner${Date.now()}`;
      const created = await givenParticipant(t, w.coordinator.token, { lastName });
      const client = await givenClient(t, w.admin, {
        agencyId: w.da.id,
        scopes: ['participants:read'],
      });
      const byName = await search(client.token, { search: lastName }).expect(200);
      expect(byName.body.items).toEqual([]);
      const byCase = await search(client.token, { search: created.caseNumber }).expect(200);
      expect(byCase.body.items).toEqual([
        { id: created.id, caseNumber: created.caseNumber, createdAt: expect.any(String) },
      ]);
    });
  });
});
