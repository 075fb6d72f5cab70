/**
 * Every event a full workflow emits matches the schema the OpenAPI document gives its type
 * (components `<Type>Event`, the same schemas as its `webhooks` section): read from the
 * outbox itself, in the one JSON shape the feed and webhooks send (toEventDto), so no event
 * escapes because no test happened to read it through the feed. The workflow reaches every
 * event type, so every schema is exercised.
 */
import { DataSource } from 'typeorm';
import { eventSchemaName } from '../src/events/event-schemas';
import { toEventDto, type EventRow } from '../src/events/event-body';
import { EVENT_TYPES } from '../src/events/event-types';
import { Clock } from '../src/infrastructure/clock/clock';
import { MinorNoticesOverdueJob } from '../src/sealing/jobs/minor-notices-overdue.job';
import { SealingNoticesOverdueJob } from '../src/sealing/jobs/sealing-notices-overdue.job';
import { givenClient, givenUser } from './support/factories';
import { OpenApiConformance } from './support/openapi-conformance';
import { startTestApp, TestApp } from './support/test-app';
import {
  givenActiveEnrollment,
  givenEnrollmentPendingReview,
  givenMilestone,
  givenWorld,
  recordAttendance,
  recordConsent,
} from './support/workflow';

describe('event payloads against their schemas', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('validates every event of a full workflow, and the workflow emits every type', async () => {
    const w = await givenWorld(t);
    const db = t.app.get(DataSource);
    const as = (token: string) => ({
      post: (url: string, body: object = {}, headers: Record<string, string> = {}) =>
        t.http.post(url).auth(token, { type: 'bearer' }).set(headers).send(body),
      patch: (url: string, body: object, headers: Record<string, string>) =>
        t.http.patch(url).auth(token, { type: 'bearer' }).set(headers).send(body),
    });

    // A plan with a correction, an extension and consents recorded and revoked.
    const { enrollment, participant: registered } = await givenActiveEnrollment(t, w);
    const sharing = await recordConsent(t, w.coordinator.token, enrollment.id, {
      kind: 'information_sharing',
      serviceCategory: 'shelter',
      recipientAgencyId: w.clinic.id,
    });
    await as(w.coordinator.token)
      .post(`/api/v1/consents/${sharing.id}/revoke`, { reason: 'No longer needed' })
      .expect(200);
    const milestone = await givenMilestone(t, w, enrollment.id, {
      category: 'shelter',
      providerAgencyId: w.shelter.id,
      requiredSessions: 1,
    });
    const recorded = await recordAttendance(t, w.shelterUser.token, milestone.id).expect(201);
    await as(w.shelterUser.token)
      .patch(
        `/api/v1/attendance/${recorded.body.id}`,
        { status: 'excused' },
        {
          'If-Match': recorded.headers.etag,
        },
      )
      .expect(200);
    await as(w.coordinator.token)
      .post(`/api/v1/enrollments/${enrollment.id}/extend`, { days: 7, reason: 'Placement moved' })
      .expect(200);

    // Corrections: the participant, a milestone's requirement, a milestone removed, a voided
    // session; and the case handed to a colleague.
    const participantUrl = `/api/v1/participants/${registered.id}`;
    const participant = await t.http
      .get(participantUrl)
      .auth(w.coordinator.token, { type: 'bearer' })
      .expect(200);
    await as(w.coordinator.token)
      .patch(
        participantUrl,
        { preferredLanguage: 'es', reason: 'Typed wrong' },
        { 'If-Match': participant.headers.etag },
      )
      .expect(200);
    const counselling = await givenMilestone(t, w, enrollment.id, {
      category: 'mental_health',
      providerAgencyId: w.clinic.id,
      requiredSessions: 2,
    });
    const session = await recordAttendance(t, w.clinicUser.token, counselling.id).expect(201);
    await as(w.clinicUser.token)
      .post(
        `/api/v1/attendance/${session.body.id}/void`,
        { reason: 'Recorded for the wrong minor' },
        { 'If-Match': session.headers.etag },
      )
      .expect(200);
    const counsellingNow = await t.http
      .get(`/api/v1/milestones/${counselling.id}`)
      .auth(w.coordinator.token, { type: 'bearer' })
      .expect(200);
    await as(w.coordinator.token)
      .patch(
        `/api/v1/milestones/${counselling.id}`,
        { requiredSessions: 3, reason: 'Court ordered more sessions' },
        { 'If-Match': counsellingNow.headers.etag },
      )
      .expect(200);
    const education = await givenMilestone(t, w, enrollment.id, {
      category: 'education',
      providerAgencyId: w.school.id,
      requiredSessions: 1,
    });
    await t.http
      .delete(`/api/v1/milestones/${education.id}?reason=${encodeURIComponent('Added twice')}`)
      .auth(w.coordinator.token, { type: 'bearer' })
      .expect((res) => expect([200, 204]).toContain(res.status));
    const colleague = await givenUser(t, w.admin, { role: 'coordinator', agencyId: w.da.id });
    await as(w.coordinator.token)
      .post(`/api/v1/enrollments/${enrollment.id}/assign`, { coordinatorId: colleague.id })
      .expect(200);

    // A completion: the DA's system pulled the record, so two notices; one acknowledged,
    // one overdue; then the minor's notice.
    const reviewed = await givenEnrollmentPendingReview(t, w);
    const caseSystem = await givenClient(t, w.admin, {
      agencyId: w.da.id,
      scopes: ['participants:read', 'sealing:ack'],
    });
    await t.http
      .get(`/api/v1/arrest-records/${reviewed.arrest.id}`)
      .auth(caseSystem.token, { type: 'bearer' })
      .expect(200);
    await as(w.clerk.token)
      .post(`/api/v1/enrollments/${reviewed.enrollment.id}/completion`, { decision: 'confirmed' })
      .expect(200);
    const police = await givenClient(t, w.admin, {
      agencyId: w.police.id,
      scopes: ['sealing:ack'],
    });
    const [notice] = (
      await t.http.get('/api/v1/sealing-notices').auth(police.token, { type: 'bearer' }).expect(200)
    ).body.items as { id: string }[];
    await as(police.token).post(`/api/v1/sealing-notices/${notice.id}/ack`).expect(200);
    await db.query(
      `UPDATE sealing_notices SET due_at = now() - interval '1 day' WHERE status = 'pending'`,
    );
    await t.app.get(SealingNoticesOverdueJob).runUntilIdle();
    await as(w.coordinator.token)
      .post(`/api/v1/enrollments/${reviewed.enrollment.id}/minor-notification`, {
        notifiedAt: new Date().toISOString(),
        method: 'mail',
      })
      .expect(200);

    // Another completion whose only notice is acknowledged, and whose minor is never told:
    // 31 days later the minor's notice is overdue.
    const untold = await givenEnrollmentPendingReview(t, w);
    await as(w.clerk.token)
      .post(`/api/v1/enrollments/${untold.enrollment.id}/completion`, { decision: 'confirmed' })
      .expect(200);
    const pending = (
      await t.http.get('/api/v1/sealing-notices').auth(police.token, { type: 'bearer' }).expect(200)
    ).body.items as { id: string; status: string }[];
    for (const open of pending.filter((n) => n.status === 'pending')) {
      await as(police.token).post(`/api/v1/sealing-notices/${open.id}/ack`).expect(200);
    }
    jest.spyOn(t.app.get(Clock), 'now').mockReturnValue(new Date(Date.now() + 31 * 86_400_000));
    expect(await t.app.get(MinorNoticesOverdueJob).runUntilIdle()).toBeGreaterThan(0);

    const rows = await db.query<EventRow[]>(
      `SELECT position::text AS position, id, type, occurred_at, agency_id, data
         FROM outbox_events ORDER BY position`,
    );
    const conformance = OpenApiConformance.fromFile();
    const mismatches = rows.flatMap((row) =>
      conformance
        .checkSchema(`#/components/schemas/${eventSchemaName(row.type)}Event`, toEventDto(row))
        .map((error) => `${row.type} ${row.id}: ${error.pointer || '/'} ${error.message}`),
    );
    expect(mismatches).toEqual([]);
    expect([...new Set(rows.map((row) => row.type))].sort()).toEqual([...EVENT_TYPES].sort());
  });
});
