import { DataSource } from 'typeorm';
import { addDays } from '../src/enrollments/domain/program-period';
import { enrollmentEvents, enrollmentUrl } from './support/enrollments';
import { UNKNOWN_ID, actingAs, expectProblem } from './support/http';
import { withProgramSettings } from './support/program-settings';
import { startTestApp, TestApp } from './support/test-app';
import {
  givenArrestRecord,
  givenCompletedEnrollment,
  givenEnrollment,
  givenOtherCoordinator,
  givenParticipant,
  givenWorld,
  World,
} from './support/workflow';

const today = () => new Date().toISOString().slice(0, 10);

/**
 * Opening an enrollment: the program period, one open enrollment per arrest record, what
 * must be visible to the coordinator, and who may open one.
 */
describe('enrollments: opening one (POST /enrollments)', () => {
  let t: TestApp;
  let w: World;
  let db: DataSource;

  beforeAll(async () => {
    t = await startTestApp();
    w = await givenWorld(t);
    db = t.app.get(DataSource);
  });
  afterAll(() => t.close());

  const as = (token: string) => actingAs(t, token);
  const url = enrollmentUrl;
  const eventsOf = (enrollmentId: string) => enrollmentEvents(db, enrollmentId);

  describe('creation', () => {
    it('opens a pending enrollment ending after the program length, owned by the coordinator agency', async () => {
      const participant = await givenParticipant(t, w.coordinator.token);
      const arrest = await givenArrestRecord(t, w.coordinator.token, participant.id, w.police.id);
      const res = await as(w.coordinator.token)
        .post('/api/v1/enrollments', {
          participantId: participant.id,
          arrestRecordId: arrest.id,
          site: 'Compton',
          startDate: '2026-03-02',
        })
        .expect(201);
      expect(res.body).toEqual({
        id: expect.any(String),
        participantId: participant.id,
        arrestRecordId: arrest.id,
        programId: expect.any(String),
        ownerAgencyId: w.da.id,
        assignedCoordinatorId: w.coordinator.id,
        site: 'Compton',
        status: 'pending_consent',
        startDate: '2026-03-02',
        scheduledEndDate: '2026-05-11',
        extensions: [],
        milestones: [],
        consents: [],
        planChanges: [],
        activatedAt: null,
        firstServiceAt: null,
        connectedWithin24h: null,
        submittedForReviewAt: null,
        reviewCourtAgencyId: null,
        shortfallReason: null,
        lastCourtDecision: null,
        completedAt: null,
        endedAt: null,
        endReason: null,
        createdAt: expect.any(String),
        updatedAt: expect.any(String),
      });
      expect(res.headers.etag).toBe('"1"');

      const events = await eventsOf(res.body.id);
      expect(events).toEqual([
        {
          type: 'enrollment.created',
          data: {
            enrollmentId: res.body.id,
            participantId: participant.id,
            status: 'pending_consent',
            startDate: '2026-03-02',
            scheduledEndDate: '2026-05-11',
          },
        },
      ]);
      const [audit] = await db.query(
        `SELECT actor_id FROM audit_events WHERE action = 'enrollment.created' AND subject_id = $1`,
        [res.body.id],
      );
      expect(audit.actor_id).toBe(w.coordinator.id);
    });

    it('computes the end from the program length setting', async () => {
      await withProgramSettings(t, { lengthDays: 90 }, async () => {
        const { enrollment } = await givenEnrollment(t, w, { startDate: '2026-01-01' });
        expect(enrollment.scheduledEndDate).toBe('2026-04-01');
      });
      const { enrollment } = await givenEnrollment(t, w);
      expect(enrollment.scheduledEndDate).toBe(addDays(today(), 70));
    });

    it('validates the body field by field', async () => {
      const res = await as(w.coordinator.token)
        .post('/api/v1/enrollments', {
          participantId: 'nope',
          arrestRecordId: UNKNOWN_ID,
          site: '  ',
          startDate: '2026-02-30',
          extra: true,
        })
        .expect(400);
      const fields = (res.body.errors as { field: string }[]).map((e) => e.field).sort();
      expect(fields).toEqual(['extra', 'participantId', 'site', 'startDate']);
    });

    it('allows one open enrollment per arrest record, and a new one after it ends', async () => {
      const { participant, arrest, enrollment } = await givenEnrollment(t, w);
      const body = {
        participantId: participant.id,
        arrestRecordId: arrest.id,
        site: 'Compton',
        startDate: today(),
      };
      const dup = await as(w.coordinator.token).post('/api/v1/enrollments', body);
      expectProblem(dup, 409, 'enrollment-already-open');
      const [{ count }] = await db.query(
        `SELECT count(*)::int AS count FROM enrollments WHERE arrest_record_id = $1`,
        [arrest.id],
      );
      expect(count).toBe(1);

      await as(w.coordinator.token)
        .post(url(enrollment.id, 'withdraw'), { reason: 'Moved away' })
        .expect(200);
      const again = await as(w.coordinator.token).post('/api/v1/enrollments', body).expect(201);
      expect(again.body.status).toBe('pending_consent');
      // ...and again only one may be open.
      expectProblem(
        await as(w.coordinator.token).post('/api/v1/enrollments', body),
        409,
        'enrollment-already-open',
      );
    });

    it('opens exactly one enrollment when the same arrest record is enrolled concurrently', async () => {
      const participant = await givenParticipant(t, w.coordinator.token);
      const arrest = await givenArrestRecord(t, w.coordinator.token, participant.id, w.police.id);
      const body = {
        participantId: participant.id,
        arrestRecordId: arrest.id,
        site: 'Compton',
        startDate: today(),
      };
      const results = await Promise.all(
        Array.from({ length: 5 }, () => as(w.coordinator.token).post('/api/v1/enrollments', body)),
      );
      expect(results.map((r) => r.status).sort()).toEqual([201, 409, 409, 409, 409]);
    });

    it('refuses an arrest record of another participant (422) and writes nothing', async () => {
      const maria = await givenParticipant(t, w.coordinator.token);
      const ana = await givenParticipant(t, w.coordinator.token, { firstName: 'Ana' });
      const anasArrest = await givenArrestRecord(t, w.coordinator.token, ana.id, w.police.id);
      const res = await as(w.coordinator.token).post('/api/v1/enrollments', {
        participantId: maria.id,
        arrestRecordId: anasArrest.id,
        site: 'Compton',
        startDate: today(),
      });
      expectProblem(res, 422, 'enrollment-arrest-record-mismatch');
      const [{ count }] = await db.query(
        `SELECT count(*)::int AS count FROM enrollments WHERE participant_id IN ($1, $2)`,
        [maria.id, ana.id],
      );
      expect(count).toBe(0);
    });

    it('answers 404 for unknown, sealed or out-of-scope participants and arrest records', async () => {
      const other = await givenOtherCoordinator(t, w);
      const participant = await givenParticipant(t, w.coordinator.token);
      const arrest = await givenArrestRecord(t, w.coordinator.token, participant.id, w.police.id);
      const body = {
        participantId: participant.id,
        arrestRecordId: arrest.id,
        site: 'Compton',
        startDate: today(),
      };

      expectProblem(await as(other.token).post('/api/v1/enrollments', body), 404, 'not-found');
      expectProblem(
        await as(w.coordinator.token).post('/api/v1/enrollments', {
          ...body,
          participantId: UNKNOWN_ID,
        }),
        404,
        'not-found',
      );
      const unknownArrest = await as(w.coordinator.token).post('/api/v1/enrollments', {
        ...body,
        arrestRecordId: UNKNOWN_ID,
      });
      expectProblem(unknownArrest, 404, 'not-found');

      // Sealed the way the law seals it: the court confirmed a completed enrollment.
      const completed = await givenCompletedEnrollment(t, w);
      const sealed = await as(w.coordinator.token).post('/api/v1/enrollments', {
        ...body,
        participantId: completed.participant.id,
        arrestRecordId: completed.arrest.id,
      });
      expectProblem(sealed, 404, 'not-found');
      const strip = (b: Record<string, unknown>) => ({
        ...b,
        instance: undefined,
        requestId: undefined,
      });
      expect(strip(sealed.body)).toEqual(strip(unknownArrest.body));
      const [{ count }] = await db.query(
        `SELECT count(*)::int AS count FROM enrollments WHERE participant_id = $1`,
        [participant.id],
      );
      expect(count).toBe(0);
      const [{ count: completedOnly }] = await db.query(
        `SELECT count(*)::int AS count FROM enrollments WHERE participant_id = $1`,
        [completed.participant.id],
      );
      expect(completedOnly).toBe(1);
    });

    it('accepts only the program sites when the program lists them', async () => {
      await withProgramSettings(t, { sites: ['Compton', 'Long Beach'] }, async () => {
        const participant = await givenParticipant(t, w.coordinator.token);
        const arrest = await givenArrestRecord(t, w.coordinator.token, participant.id, w.police.id);
        const body = {
          participantId: participant.id,
          arrestRecordId: arrest.id,
          startDate: today(),
        };
        expectProblem(
          await as(w.coordinator.token).post('/api/v1/enrollments', { ...body, site: 'Nowhere' }),
          422,
          'program-site-unknown',
        );
        await as(w.coordinator.token)
          .post('/api/v1/enrollments', { ...body, site: 'Long Beach' })
          .expect(201);
      });
    });

    it('is closed to providers, court and auditors (403)', async () => {
      const participant = await givenParticipant(t, w.coordinator.token);
      const arrest = await givenArrestRecord(t, w.coordinator.token, participant.id, w.police.id);
      const body = {
        participantId: participant.id,
        arrestRecordId: arrest.id,
        site: 'Compton',
        startDate: today(),
      };
      for (const token of [w.clinicUser.token, w.clerk.token]) {
        expectProblem(await as(token).post('/api/v1/enrollments', body), 403, 'forbidden');
      }
    });
  });
});
