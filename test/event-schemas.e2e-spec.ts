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
import { SealingNoticesOverdueJob } from '../src/sealing/jobs/sealing-notices-overdue.job';
import { givenClient } from './support/factories';
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
    const { enrollment } = await givenActiveEnrollment(t, w);
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
