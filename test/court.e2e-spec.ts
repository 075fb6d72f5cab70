import { DataSource } from 'typeorm';
import { Outbox } from '../src/events/outbox.service';
import { SealingService } from '../src/sealing/sealing.service';
import { givenAgency, givenUser } from './support/factories';
import { UNKNOWN_ID, actingAs } from './support/http';
import { startTestApp, TestApp } from './support/test-app';
import {
  givenActiveEnrollment,
  givenArrestRecord,
  givenClient,
  givenEnrollmentPendingReview,
  givenMilestone,
  givenParticipant,
  givenWorld,
  recordAttendance,
  recordConsent,
  World,
} from './support/workflow';

const DAY_MS = 86_400_000;

describe('court review, completion and sealing', () => {
  let t: TestApp;
  let w: World;
  let db: DataSource;

  beforeAll(async () => {
    t = await startTestApp();
    w = await givenWorld(t);
    db = t.app.get(DataSource);
  });
  afterAll(() => t.close());
  afterEach(() => jest.restoreAllMocks());

  const as = (token: string) => actingAs(t, token);

  const complete = (token: string, enrollmentId: string, body: object) =>
    as(token).post(`/api/v1/enrollments/${enrollmentId}/completion`, body);

  /** Everything a completion may write about one enrollment, to prove what did or did not change. */
  async function writtenFor(enrollmentId: string, arrestRecordId: string) {
    const [enrollment] = await db.query(
      `SELECT status, completed_at FROM enrollments WHERE id = $1`,
      [enrollmentId],
    );
    const [arrest] = await db.query(`SELECT status, sealed_at FROM arrest_records WHERE id = $1`, [
      arrestRecordId,
    ]);
    const [{ count: reviews }] = await db.query(
      `SELECT count(*)::int AS count FROM court_reviews WHERE enrollment_id = $1`,
      [enrollmentId],
    );
    const [{ count: notices }] = await db.query(
      `SELECT count(*)::int AS count FROM sealing_notices WHERE enrollment_id = $1 OR arrest_record_id = $2`,
      [enrollmentId, arrestRecordId],
    );
    const events: string[] = (
      await db.query(
        `SELECT type FROM outbox_events
          WHERE enrollment_id = $1 OR data->>'arrestRecordId' = $2 ORDER BY position`,
        [enrollmentId, arrestRecordId],
      )
    ).map((row: { type: string }) => row.type);
    const audit: string[] =
      // What was done: refusals are on the trail too, as `denied` entries, but change nothing.
      (
        await db.query(
          `SELECT action FROM audit_events
          WHERE subject_id IN ($1, $2) AND outcome = 'success' ORDER BY position`,
          [enrollmentId, arrestRecordId],
        )
      ).map((row: { action: string }) => row.action);
    return { enrollment, arrest, reviews, notices, events, audit };
  }

  it('runs an enrollment from registration to a sealed, acknowledged and notified record', async () => {
    const coordinator = as(w.coordinator.token);

    // Registration, arrest, enrollment, consent.
    const participant = await givenParticipant(t, w.coordinator.token);
    const arrest = await givenArrestRecord(t, w.coordinator.token, participant.id, w.police.id, {
      bookingNumber: 'BK-FULL-LIFE-0001',
      charges: [{ code: 'PC 372', description: 'Public nuisance' }],
    });
    const today = new Date().toISOString().slice(0, 10);
    const enrolled = await coordinator
      .post('/api/v1/enrollments', {
        participantId: participant.id,
        arrestRecordId: arrest.id,
        site: 'Compton',
        startDate: today,
      })
      .expect(201);
    const enrollmentId: string = enrolled.body.id;
    expect(enrolled.body.status).toBe('pending_consent');
    await recordConsent(t, w.coordinator.token, enrollmentId);
    expect(
      (await coordinator.get(`/api/v1/enrollments/${enrollmentId}`).expect(200)).body.status,
    ).toBe('active');

    // A service plan with three providers, each attending until met.
    const plan = [
      { category: 'mental_health', provider: w.clinic, user: w.clinicUser, sessions: 2 },
      { category: 'shelter', provider: w.shelter, user: w.shelterUser, sessions: 1 },
      { category: 'education', provider: w.school, user: w.schoolUser, sessions: 3 },
    ];
    for (const item of plan) {
      const milestone = await givenMilestone(t, w, enrollmentId, {
        category: item.category,
        providerAgencyId: item.provider.id,
        requiredSessions: item.sessions,
      });
      for (let session = 0; session < item.sessions; session++) {
        await recordAttendance(t, item.user.token, milestone.id).expect(201);
      }
    }
    await coordinator.post(`/api/v1/enrollments/${enrollmentId}/submit-for-review`).expect(200);

    // A second enrollment submitted later: the queue shows the longest-waiting first.
    const later = await givenEnrollmentPendingReview(t, w);
    const queue = await as(w.clerk.token).get('/api/v1/court/review-queue').expect(200);
    const ids = queue.body.items.map((item: { id: string }) => item.id);
    expect(ids.indexOf(enrollmentId)).toBeGreaterThanOrEqual(0);
    expect(ids.indexOf(enrollmentId)).toBeLessThan(ids.indexOf(later.enrollment.id));
    const item = queue.body.items.find((i: { id: string }) => i.id === enrollmentId);
    expect(item).toEqual({
      id: enrollmentId,
      participantId: participant.id,
      caseNumber: participant.caseNumber,
      site: 'Compton',
      startDate: today,
      scheduledEndDate: enrolled.body.scheduledEndDate,
      submittedForReviewAt: expect.any(String),
      milestones: expect.arrayContaining([
        { category: 'mental_health', requiredSessions: 2, attendedSessions: 2, status: 'met' },
        { category: 'shelter', requiredSessions: 1, attendedSessions: 1, status: 'met' },
        { category: 'education', requiredSessions: 3, attendedSessions: 3, status: 'met' },
      ]),
    });
    expect(item.milestones).toHaveLength(3);
    // Minimal: no names, no arrest details.
    const queueText = JSON.stringify(queue.body);
    expect(queueText).not.toContain('Maria');
    expect(queueText).not.toContain('BK-FULL-LIFE-0001');
    expect(queueText).not.toContain(arrest.id);

    // The clerk confirms.
    const confirmed = await complete(w.clerk.token, enrollmentId, {
      decision: 'confirmed',
      courtOrderNumber: 'JV-2026-0042',
    }).expect(200);
    expect(confirmed.body).toMatchObject({
      id: enrollmentId,
      status: 'completed',
      completedAt: expect.any(String),
      review: {
        decision: 'confirmed',
        courtOrderNumber: 'JV-2026-0042',
        courtAgencyId: w.court.id,
        decidedBy: w.clerk.id,
      },
      sealingNotices: 1,
    });
    expect(JSON.stringify(confirmed.body)).not.toContain(arrest.id);

    // The arrest record is gone from every ordinary read, exactly like an unknown id.
    const sealed = await coordinator.get(`/api/v1/arrest-records/${arrest.id}`).expect(404);
    const unknown = await coordinator.get(`/api/v1/arrest-records/${UNKNOWN_ID}`).expect(404);
    const withoutRequest = (body: Record<string, unknown>) => {
      const rest = { ...body };
      delete rest.instance;
      delete rest.requestId;
      return rest;
    };
    expect(withoutRequest(sealed.body)).toEqual(withoutRequest(unknown.body));
    expect(sealed.headers['content-type']).toBe(unknown.headers['content-type']);
    const records = await coordinator
      .get(`/api/v1/participants/${participant.id}/arrest-records`)
      .expect(200);
    expect(records.body.items.map((r: { id: string }) => r.id)).not.toContain(arrest.id);
    const view = await coordinator.get(`/api/v1/enrollments/${enrollmentId}`).expect(200);
    expect(view.body.status).toBe('completed');
    expect(view.body.arrestRecordId).toBeNull();
    expect(JSON.stringify(view.body)).not.toContain(arrest.id);

    // One sealing notice, to the arresting agency, due 60 days after it was created.
    const notices = await coordinator.get('/api/v1/sealing-notices?status=pending').expect(200);
    const notice = notices.body.items.find(
      (n: { arrestRecordId: string }) => n.arrestRecordId === arrest.id,
    );
    expect(notice).toMatchObject({
      agencyId: w.police.id,
      enrollmentId,
      status: 'pending',
      acknowledgedAt: null,
      reference: null,
      overdue: false,
    });
    expect(Date.parse(notice.dueAt) - Date.parse(notice.createdAt)).toBe(60 * DAY_MS);

    // The event addressed to the police: ids and dates only.
    const [sealedEvent] = await db.query(
      `SELECT agency_id, enrollment_id, data FROM outbox_events
        WHERE type = 'arrest_record.sealed' AND data->>'arrestRecordId' = $1`,
      [arrest.id],
    );
    expect(sealedEvent.agency_id).toBe(w.police.id);
    expect(sealedEvent.data).toMatchObject({
      arrestRecordId: arrest.id,
      enrollmentId,
      sealedAt: expect.any(String),
      sealingNoticeId: notice.id,
    });
    const eventText = JSON.stringify(sealedEvent.data);
    for (const secret of ['BK-FULL-LIFE-0001', 'PC 372', 'Public nuisance', 'Maria', 'Lopez']) {
      expect(eventText).not.toContain(secret);
    }
    const written = await writtenFor(enrollmentId, arrest.id);
    expect(written.events).toEqual(
      expect.arrayContaining([
        'enrollment.status_changed',
        'enrollment.completed',
        'arrest_record.sealed',
      ]),
    );
    expect(written.audit).toEqual(
      expect.arrayContaining(['enrollment.confirm_completion', 'arrest_record.sealed']),
    );
    expect(written.arrest.status).toBe('sealed');

    // The police system lists the notice and acknowledges it, once.
    const police = await givenClient(t, w.admin, {
      agencyId: w.police.id,
      scopes: ['sealing:ack'],
    });
    const policeList = await as(police.token).get('/api/v1/sealing-notices').expect(200);
    expect(policeList.body.items.map((n: { id: string }) => n.id)).toContain(notice.id);
    const acked = await as(police.token)
      .post(`/api/v1/sealing-notices/${notice.id}/ack`, { reference: 'LAPD-SEAL-778' })
      .expect(200);
    expect(acked.body).toMatchObject({
      id: notice.id,
      status: 'acknowledged',
      acknowledgedAt: expect.any(String),
      reference: 'LAPD-SEAL-778',
      overdue: false,
    });
    const again = await as(police.token)
      .post(`/api/v1/sealing-notices/${notice.id}/ack`)
      .expect(409);
    expect(again.body.type).toMatch(/:sealing-notice-already-acknowledged$/);

    // The coordinator sees it acknowledged, and the minor's clock running.
    const ackedList = await coordinator
      .get('/api/v1/sealing-notices?status=acknowledged')
      .expect(200);
    expect(ackedList.body.items.map((n: { id: string }) => n.id)).toContain(notice.id);
    const status = await coordinator
      .get(`/api/v1/enrollments/${enrollmentId}/sealing-status`)
      .expect(200);
    expect(Date.parse(status.body.minorNotificationDueAt)).toBe(
      Date.parse(acked.body.acknowledgedAt) + 30 * DAY_MS,
    );
    expect(status.body).toMatchObject({ minorNotifiedAt: null, minorNotificationOverdue: false });

    // The minor is told in writing.
    const notifiedAt = new Date().toISOString();
    const notified = await coordinator
      .post(`/api/v1/enrollments/${enrollmentId}/minor-notification`, {
        notifiedAt,
        method: 'mail',
      })
      .expect(200);
    expect(notified.body).toMatchObject({
      enrollmentId,
      minorNotifiedAt: notifiedAt,
      minorNotificationMethod: 'mail',
      minorNotificationOverdue: false,
    });
  });

  describe('the review queue', () => {
    it('pages oldest first without skipping or repeating', async () => {
      for (let i = 0; i < 3; i++) await givenEnrollmentPendingReview(t, w);
      const all = await as(w.clerk.token).get('/api/v1/court/review-queue?limit=500').expect(200);
      const times = all.body.items.map((i: { submittedForReviewAt: string }) =>
        Date.parse(i.submittedForReviewAt),
      );
      expect(times).toEqual([...times].sort((a, b) => a - b));
      expect(all.body.items.length).toBeGreaterThanOrEqual(3);

      const paged: string[] = [];
      let cursor: string | null = null;
      do {
        const url: string = `/api/v1/court/review-queue?limit=2${cursor ? `&cursor=${cursor}` : ''}`;
        const page = await as(w.clerk.token).get(url).expect(200);
        expect(page.body.items.length).toBeLessThanOrEqual(2);
        paged.push(...page.body.items.map((i: { id: string }) => i.id));
        cursor = page.body.nextCursor;
      } while (cursor);
      expect(paged).toEqual(all.body.items.map((i: { id: string }) => i.id));
    });

    it('lists only enrollments pending review, and admins see it too', async () => {
      const active = await givenActiveEnrollment(t, w);
      const pending = await givenEnrollmentPendingReview(t, w);
      for (const token of [w.clerk.token, w.admin]) {
        const queue = await as(token).get('/api/v1/court/review-queue?limit=500').expect(200);
        const ids = queue.body.items.map((i: { id: string }) => i.id);
        expect(ids).toContain(pending.enrollment.id);
        expect(ids).not.toContain(active.enrollment.id);
      }
    });

    it('refuses coordinators, providers and partner systems (403)', async () => {
      const client = await givenClient(t, w.admin, {
        agencyId: w.police.id,
        scopes: ['sealing:ack', 'enrollments:read'],
      });
      for (const token of [w.coordinator.token, w.clinicUser.token, client.token]) {
        const res = await as(token).get('/api/v1/court/review-queue').expect(403);
        expect(res.body.type).toMatch(/:forbidden$/);
      }
    });

    it('rejects a forged cursor with 400', async () => {
      const forged = Buffer.from(JSON.stringify(['yesterday', 'x'])).toString('base64url');
      const res = await as(w.clerk.token)
        .get(`/api/v1/court/review-queue?cursor=${forged}`)
        .expect(400);
      expect(res.body.errors).toEqual([{ field: 'cursor', message: expect.any(String) }]);
    });
  });

  describe('rejection', () => {
    it('requires the reasons (400) and changes nothing without them', async () => {
      const { enrollment, arrest } = await givenEnrollmentPendingReview(t, w);
      const before = await writtenFor(enrollment.id, arrest.id);
      for (const [body, field] of [
        [{ decision: 'rejected' }, 'reasons'],
        [{ decision: 'rejected', reasons: '   ' }, 'reasons'],
        [{ decision: 'rejected', notes: '   ' }, 'notes'],
      ] as const) {
        const res = await complete(w.clerk.token, enrollment.id, body).expect(400);
        expect(res.body.type).toMatch(/:validation-failed$/);
        expect(res.body.errors).toEqual([{ field, message: expect.stringContaining(field) }]);
      }
      expect(await writtenFor(enrollment.id, arrest.id)).toEqual(before);
    });

    it('sends the enrollment back to active with the reasons, and seals nothing', async () => {
      const { enrollment, arrest } = await givenEnrollmentPendingReview(t, w);
      const res = await complete(w.clerk.token, enrollment.id, {
        decision: 'rejected',
        notes: 'Attendance letter from the school is missing',
      }).expect(200);
      expect(res.body).toMatchObject({
        id: enrollment.id,
        status: 'active',
        completedAt: null,
        review: { decision: 'rejected', notes: 'Attendance letter from the school is missing' },
        sealingNotices: 0,
      });
      const written = await writtenFor(enrollment.id, arrest.id);
      expect(written.enrollment.status).toBe('active');
      expect(written.arrest).toEqual({ status: 'open', sealed_at: null });
      expect(written.reviews).toBe(1);
      expect(written.notices).toBe(0);
      expect(written.events).toContain('enrollment.status_changed');
      expect(written.events).not.toContain('arrest_record.sealed');
      expect(written.events).not.toContain('enrollment.completed');
      expect(written.audit).toContain('enrollment.reject_completion');
      const [review] = await db.query(
        `SELECT decision, notes, court_agency_id, decided_by FROM court_reviews WHERE enrollment_id = $1`,
        [enrollment.id],
      );
      expect(review).toEqual({
        decision: 'rejected',
        notes: 'Attendance letter from the school is missing',
        court_agency_id: w.court.id,
        decided_by: w.clerk.id,
      });
      const [changed] = await db.query(
        `SELECT data FROM outbox_events WHERE enrollment_id = $1 AND type = 'enrollment.status_changed'
          ORDER BY position DESC LIMIT 1`,
        [enrollment.id],
      );
      expect(changed.data).toMatchObject({
        enrollmentId: enrollment.id,
        from: 'pending_court_review',
        to: 'active',
      });
      // The coordinator still reads the arrest record.
      await as(w.coordinator.token).get(`/api/v1/arrest-records/${arrest.id}`).expect(200);
      // Rejected, the enrollment is no longer awaiting a decision: 409 (the court decided it, so it sees it).
      const again = await complete(w.clerk.token, enrollment.id, { decision: 'confirmed' }).expect(
        409,
      );
      expect(again.body.type).toMatch(/:enrollment-invalid-transition$/);
    });
  });

  describe('who may decide', () => {
    it('answers 409 for an enrollment that is already completed', async () => {
      const { enrollment, arrest } = await givenEnrollmentPendingReview(t, w);
      await complete(w.clerk.token, enrollment.id, { decision: 'confirmed' }).expect(200);
      const before = await writtenFor(enrollment.id, arrest.id);
      for (const body of [{ decision: 'confirmed' }, { decision: 'rejected', notes: 'late' }]) {
        const res = await complete(w.clerk.token, enrollment.id, body).expect(409);
        expect(res.body.type).toMatch(/:enrollment-invalid-transition$/);
      }
      expect(await writtenFor(enrollment.id, arrest.id)).toEqual(before);
    });

    it('answers 404 for an enrollment the court cannot see (never submitted, unknown, or decided by another court)', async () => {
      const { enrollment: active, arrest } = await givenActiveEnrollment(t, w);
      const before = await writtenFor(active.id, arrest.id);
      const res = await complete(w.clerk.token, active.id, { decision: 'confirmed' }).expect(404);
      expect(res.body.type).toMatch(/:not-found$/);
      expect(await writtenFor(active.id, arrest.id)).toEqual(before);
      await complete(w.clerk.token, UNKNOWN_ID, { decision: 'confirmed' }).expect(404);

      const otherCourt = await givenAgency(t, w.admin, { kind: 'court' });
      const otherClerk = await givenUser(t, w.admin, { role: 'court', agencyId: otherCourt.id });
      const decided = await givenEnrollmentPendingReview(t, w);
      await complete(w.clerk.token, decided.enrollment.id, { decision: 'confirmed' }).expect(200);
      await complete(otherClerk.token, decided.enrollment.id, { decision: 'confirmed' }).expect(
        404,
      );
    });

    it('refuses coordinators, providers, admins and clients (403) and changes nothing', async () => {
      const { enrollment, arrest } = await givenEnrollmentPendingReview(t, w);
      const before = await writtenFor(enrollment.id, arrest.id);
      const client = await givenClient(t, w.admin, {
        agencyId: w.police.id,
        scopes: ['sealing:ack', 'enrollments:read'],
      });
      for (const token of [w.coordinator.token, w.clinicUser.token, w.admin, client.token]) {
        const res = await complete(token, enrollment.id, { decision: 'confirmed' }).expect(403);
        expect(res.body.type).toMatch(/:forbidden$/);
      }
      expect(await writtenFor(enrollment.id, arrest.id)).toEqual(before);
    });

    it('honours If-Match: a stale ETag is 412 and changes nothing; the answer carries the new ETag', async () => {
      const { enrollment, arrest } = await givenEnrollmentPendingReview(t, w);
      const read = await as(w.coordinator.token)
        .get(`/api/v1/enrollments/${enrollment.id}`)
        .expect(200);
      const etag: string = read.headers.etag;
      expect(etag).toMatch(/^"\d+"$/);
      const before = await writtenFor(enrollment.id, arrest.id);
      const stale = await complete(w.clerk.token, enrollment.id, { decision: 'confirmed' })
        .set('If-Match', '"999999"')
        .expect(412);
      expect(stale.body.type).toMatch(/:precondition-failed$/);
      expect(await writtenFor(enrollment.id, arrest.id)).toEqual(before);
      const done = await complete(w.clerk.token, enrollment.id, { decision: 'confirmed' })
        .set('If-Match', etag)
        .expect(200);
      expect(done.headers.etag).toMatch(/^"\d+"$/);
      expect(done.headers.etag).not.toBe(etag);
    });

    it('decides once when two confirmations race: one seal, one notice, one review', async () => {
      const { enrollment, arrest } = await givenEnrollmentPendingReview(t, w);
      const results = await Promise.all([
        complete(w.clerk.token, enrollment.id, { decision: 'confirmed' }),
        complete(w.clerk.token, enrollment.id, { decision: 'confirmed' }),
      ]);
      const statuses = results.map((r) => r.status).sort();
      expect(statuses[0]).toBe(200);
      // The loser finds the enrollment decided (409), or no longer awaiting this court (404).
      expect([404, 409]).toContain(statuses[1]);
      const written = await writtenFor(enrollment.id, arrest.id);
      expect(written).toMatchObject({ reviews: 1, notices: 1, arrest: { status: 'sealed' } });
      expect(written.events.filter((type) => type === 'arrest_record.sealed')).toHaveLength(1);
    });

    it('validates the body: decision, lengths, unknown fields', async () => {
      const { enrollment } = await givenEnrollmentPendingReview(t, w);
      const cases: [object, string][] = [
        [{}, 'decision'],
        [{ decision: 'approved' }, 'decision'],
        [{ decision: 'confirmed', courtOrderNumber: 'x'.repeat(101) }, 'courtOrderNumber'],
        [{ decision: 'confirmed', notes: 'x'.repeat(4001) }, 'notes'],
        [{ decision: 'confirmed', sealed: true }, 'sealed'],
      ];
      for (const [body, field] of cases) {
        const res = await complete(w.clerk.token, enrollment.id, body).expect(400);
        expect(res.body.errors.map((e: { field: string }) => e.field)).toContain(field);
      }
      await complete(w.clerk.token, 'not-a-uuid', { decision: 'confirmed' }).expect(400);
    });
  });

  describe('all or nothing', () => {
    async function expectNothingChanged(
      enrollmentId: string,
      arrestRecordId: string,
      before: Awaited<ReturnType<typeof writtenFor>>,
    ) {
      expect(await writtenFor(enrollmentId, arrestRecordId)).toEqual(before);
      const view = await as(w.coordinator.token)
        .get(`/api/v1/enrollments/${enrollmentId}`)
        .expect(200);
      expect(view.body.status).toBe('pending_court_review');
      const record = await as(w.coordinator.token)
        .get(`/api/v1/arrest-records/${arrestRecordId}`)
        .expect(200);
      expect(record.body.status).toBe('open');
      const queue = await as(w.clerk.token).get('/api/v1/court/review-queue?limit=500').expect(200);
      expect(queue.body.items.map((i: { id: string }) => i.id)).toContain(enrollmentId);
    }

    it('leaves everything unchanged when an event cannot be written', async () => {
      const { enrollment, arrest } = await givenEnrollmentPendingReview(t, w);
      const before = await writtenFor(enrollment.id, arrest.id);
      const emit = jest.spyOn(t.app.get(Outbox), 'emit').mockRejectedValueOnce(new Error('boom'));
      const res = await complete(w.clerk.token, enrollment.id, { decision: 'confirmed' }).expect(
        500,
      );
      expect(emit).toHaveBeenCalled();
      expect(res.body).toMatchObject({ status: 500, type: expect.stringMatching(/:internal$/) });
      expect(JSON.stringify(res.body)).not.toContain('boom');
      await expectNothingChanged(enrollment.id, arrest.id, before);
    });

    it('leaves everything unchanged when the sealing fails after the record was sealed', async () => {
      const { enrollment, arrest } = await givenEnrollmentPendingReview(t, w);
      const before = await writtenFor(enrollment.id, arrest.id);
      const sealing = t.app.get(SealingService);
      const original = sealing.sealForCompletion.bind(sealing);
      let sealedInside = false;
      jest.spyOn(sealing, 'sealForCompletion').mockImplementationOnce(async (...args) => {
        const outcome = await original(...args);
        sealedInside = outcome.notices.length === 1;
        throw new Error('disk full');
      });
      await complete(w.clerk.token, enrollment.id, { decision: 'confirmed' }).expect(500);
      expect(sealedInside).toBe(true);
      await expectNothingChanged(enrollment.id, arrest.id, before);
    });

    it('leaves everything unchanged when the very last step (enrollment.completed) fails', async () => {
      const { enrollment, arrest } = await givenEnrollmentPendingReview(t, w);
      const before = await writtenFor(enrollment.id, arrest.id);
      const outbox = t.app.get(Outbox);
      const original = outbox.emit.bind(outbox);
      jest.spyOn(outbox, 'emit').mockImplementation(async (...events) => {
        if (events.some((e) => e.type === 'enrollment.completed')) throw new Error('queue full');
        return original(...events);
      });
      await complete(w.clerk.token, enrollment.id, { decision: 'confirmed' }).expect(500);
      jest.restoreAllMocks();
      await expectNothingChanged(enrollment.id, arrest.id, before);

      // And the same decision succeeds afterwards: nothing half-done is left in the way.
      await complete(w.clerk.token, enrollment.id, { decision: 'confirmed' }).expect(200);
      const after = await writtenFor(enrollment.id, arrest.id);
      expect(after).toMatchObject({ reviews: 1, notices: 1, arrest: { status: 'sealed' } });
    });
  });
});
