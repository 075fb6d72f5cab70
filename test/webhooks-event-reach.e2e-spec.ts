import { DataSource } from 'typeorm';
import { EVENT_TYPES } from '../src/events/event-types';
import type { AgencyKind } from '../src/identity/agencies/agency-kind';
import { SealingNoticesOverdueJob } from '../src/sealing/jobs/sealing-notices-overdue.job';
import { eventTypesReachableBy } from '../src/webhooks/domain/event-reach';
import { WebhookDispatchJob } from '../src/webhooks/jobs/webhook-dispatch.job';
import { givenAgency, givenClient, givenUser } from './support/factories';
import { outboxSettled } from './support/outbox';
import { startTestApp, TestApp } from './support/test-app';
import {
  givenEnrollment,
  givenEnrollmentPendingReview,
  givenMilestone,
  givenParticipant,
  givenWorld,
  recordAttendance,
  recordConsent,
} from './support/workflow';

/**
 * The 422 on unreachable event types must never refuse an event an agency would in fact get.
 * Every agency here subscribes (straight in the table, past the 422) to every type; a workflow
 * that touches every event type and every way of holding a copy runs; then every delivery the
 * dispatcher wrote must be of a type the rule says can reach that kind of agency.
 */
describe('event types an agency can receive (against the dispatcher)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('the dispatcher delivers no agency an event type the rule calls unreachable for its kind', async () => {
    const w = await givenWorld(t);
    const db = t.app.get(DataSource);
    const probationOffice = await givenAgency(t, w.admin, { kind: 'probation' });
    const probation = await givenUser(t, w.admin, {
      role: 'coordinator',
      agencyId: probationOffice.id,
    });
    const childWelfare = await givenAgency(t, w.admin, {
      kind: 'child_welfare',
      services: ['shelter'],
    });

    // Every agency, the system's too, subscribes to everything.
    await db.query(
      `INSERT INTO webhook_subscriptions (agency_id, url, events, secret_ciphertext, created_by)
       SELECT id, 'http://127.0.0.1:9/hooks', $1, 'unused', id FROM agencies`,
      [EVENT_TYPES],
    );

    // A case of the DA's: plan, attendance, review, a court clerk and the DA's own case system
    // reading the arrest record (the DA's system then holds a copy; the deciding court holds
    // the order, not a copy), completion, sealing, acknowledgement.
    const reviewed = await givenEnrollmentPendingReview(t, w);
    const daSystem = await givenClient(t, w.admin, {
      agencyId: w.da.id,
      scopes: ['participants:read', 'sealing:ack'],
    });
    for (const token of [w.clerk.token, daSystem.token]) {
      await t.http
        .get(`/api/v1/arrest-records/${reviewed.arrest.id}`)
        .auth(token, { type: 'bearer' })
        .expect(200);
    }
    await t.http
      .post(`/api/v1/enrollments/${reviewed.enrollment.id}/completion`)
      .auth(w.clerk.token, { type: 'bearer' })
      .send({ decision: 'confirmed', courtOrderNumber: 'JV-REACH-1' })
      .expect(200);
    const police = await givenClient(t, w.admin, {
      agencyId: w.police.id,
      scopes: ['sealing:ack'],
    });
    const [policeNotice] = (
      await t.http.get('/api/v1/sealing-notices').auth(police.token, { type: 'bearer' }).expect(200)
    ).body.items as { id: string }[];
    await t.http
      .post(`/api/v1/sealing-notices/${policeNotice.id}/ack`)
      .auth(police.token, { type: 'bearer' })
      .send({ reference: 'RMS-REACH' })
      .expect(200);
    // The other notices run out their 60 days.
    await db.query(
      `UPDATE sealing_notices SET due_at = now() - interval '1 day' WHERE status = 'pending'`,
    );
    await t.app.get(SealingNoticesOverdueJob).runUntilIdle();

    // A probation office's case served by child welfare, extended.
    const participant = await givenParticipant(t, probation.token);
    expect(participant.id).toBeDefined();
    const other = await givenEnrollment(t, { ...w, coordinator: probation });
    await recordConsent(t, probation.token, other.enrollment.id);
    const shelter = await givenMilestone(t, { ...w, coordinator: probation }, other.enrollment.id, {
      category: 'shelter',
      providerAgencyId: childWelfare.id,
      requiredSessions: 1,
    });
    const childWelfareUser = await givenUser(t, w.admin, {
      role: 'provider',
      agencyId: childWelfare.id,
    });
    await recordAttendance(t, childWelfareUser.token, shelter.id).expect(201);
    await t.http
      .post(`/api/v1/enrollments/${other.enrollment.id}/extend`)
      .auth(probation.token, { type: 'bearer' })
      .send({ days: 7, reason: 'Placement moved' })
      .expect(200);

    await outboxSettled(t);
    await t.app.get(WebhookDispatchJob).runUntilIdle();

    const delivered = await db.query<{ kind: AgencyKind; type: string }[]>(
      `SELECT DISTINCT a.kind::text AS kind, d.event_type AS type
         FROM webhook_deliveries d
         JOIN webhook_subscriptions s ON s.id = d.subscription_id
         JOIN agencies a ON a.id = s.agency_id`,
    );
    const beyondTheRule = delivered.filter(
      ({ kind, type }) => !(eventTypesReachableBy(kind) as string[]).includes(type),
    );
    expect(beyondTheRule).toEqual([]);

    // The workflow did reach every kind through each part it can play.
    const got = (kind: AgencyKind) => delivered.filter((d) => d.kind === kind).map((d) => d.type);
    expect(got('law_enforcement')).toEqual(
      expect.arrayContaining([
        'arrest_record.created',
        'arrest_record.sealed',
        'sealing_notice.acknowledged',
      ]),
    );
    // The court that ordered the sealing gets no notice, though its clerk read the record.
    expect(got('court')).not.toContain('arrest_record.sealed');
    expect(got('district_attorney')).toEqual(
      expect.arrayContaining([
        'participant.created',
        'consent.recorded',
        'attendance.recorded',
        'arrest_record.sealed',
        'sealing_notice.acknowledged',
        'sealing_notice.overdue',
      ]),
    );
    expect(got('probation')).toEqual(
      expect.arrayContaining(['participant.created', 'enrollment.extended', 'attendance.recorded']),
    );
    expect(got('service_provider')).toEqual(
      expect.arrayContaining(['attendance.recorded', 'milestone.met', 'enrollment.completed']),
    );
    expect(got('child_welfare')).toEqual(
      expect.arrayContaining(['attendance.recorded', 'enrollment.extended']),
    );
  });
});
