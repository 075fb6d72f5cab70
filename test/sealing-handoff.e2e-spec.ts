/**
 * The sealing hand-off to a real arresting agency (API.md and PRODUCT.md "Additions"): its
 * records system learns of the arrest when it is recorded (ids only), its notice carries its
 * own booking number and nothing else of the arrest, its records officers (people, not only
 * machine clients) list and acknowledge their agency's notices, and the court that ordered
 * the sealing gets no notice, so the minor's 30-day clock can start.
 */
import { DataSource } from 'typeorm';
import { givenAgency, givenClient, givenUser, type GivenUser } from './support/factories';
import { expectProblem } from './support/http';
import { outboxSettled } from './support/outbox';
import { startTestApp, TestApp } from './support/test-app';
import {
  givenCompletedEnrollment,
  givenEnrollmentPendingReview,
  givenWorld,
  type World,
} from './support/workflow';

interface Notice {
  id: string;
  agencyId: string;
  enrollmentId: string;
  arrestRecordId: string;
  status: string;
  bookingNumber?: string;
}

describe('the sealing hand-off to the arresting agency', () => {
  let t: TestApp;
  let db: DataSource;
  beforeAll(async () => {
    t = await startTestApp();
    db = t.app.get(DataSource);
  });
  afterAll(() => t.close());

  const get = (token: string, url: string) => t.http.get(url).auth(token, { type: 'bearer' });
  const post = (token: string, url: string, body: object = {}) =>
    t.http.post(url).auth(token, { type: 'bearer' }).send(body);
  const noticesOf = async (token: string) =>
    (await get(token, '/api/v1/sealing-notices').expect(200)).body.items as Notice[];
  const bookingNumberOf = async (arrestRecordId: string) =>
    (
      await db.query<{ booking_number: string }[]>(
        `SELECT booking_number FROM arrest_records WHERE id = $1`,
        [arrestRecordId],
      )
    )[0].booking_number;

  let w: World;
  let officer: GivenUser;
  beforeAll(async () => {
    w = await givenWorld(t);
    officer = await givenUser(t, w.admin, { role: 'records', agencyId: w.police.id });
  });

  it('lets a records officer see the notice with its own booking number, and acknowledge it', async () => {
    const { enrollment, arrest } = await givenCompletedEnrollment(t, w);
    const bookingNumber = await bookingNumberOf(arrest.id);

    const [notice] = (await noticesOf(officer.token)).filter((n) => n.arrestRecordId === arrest.id);
    expect(notice).toMatchObject({ agencyId: w.police.id, status: 'pending', bookingNumber });
    // Nothing else of the arrest: no charges, dates or location on the notice.
    expect(Object.keys(notice).sort()).toEqual(
      [
        'id',
        'agencyId',
        'enrollmentId',
        'arrestRecordId',
        'status',
        'createdAt',
        'dueAt',
        'acknowledgedAt',
        'reference',
        'overdue',
        'bookingNumber',
        'version',
      ].sort(),
    );

    const acked = await post(officer.token, `/api/v1/sealing-notices/${notice.id}/ack`, {
      reference: 'RMS-2291',
    }).expect(200);
    expect(acked.body).toMatchObject({
      id: notice.id,
      status: 'acknowledged',
      bookingNumber,
      reference: 'RMS-2291',
    });
    const [row] = await db.query<{ acknowledged_by: string }[]>(
      `SELECT acknowledged_by FROM sealing_notices WHERE id = $1`,
      [notice.id],
    );
    expect(row.acknowledged_by).toBe(officer.id);

    // Every notice acknowledged: the minor's 30-day clock has started.
    const status = await get(
      w.coordinator.token,
      `/api/v1/enrollments/${enrollment.id}/sealing-status`,
    ).expect(200);
    expect(status.body.minorNotificationDueAt).toEqual(expect.any(String));
    // The coordinator follows the clocks, but the booking number is the police's key, not theirs.
    expect(status.body.notices[0]).not.toHaveProperty('bookingNumber');
    const again = await post(officer.token, `/api/v1/sealing-notices/${notice.id}/ack`);
    expectProblem(again, 409, 'sealing-notice-already-acknowledged');
  });

  it("shows the booking number to the agency's sealing:ack client too, and to nobody else", async () => {
    const { arrest } = await givenCompletedEnrollment(t, w);
    const bookingNumber = await bookingNumberOf(arrest.id);
    const rms = await givenClient(t, w.admin, { agencyId: w.police.id, scopes: ['sealing:ack'] });
    const mine = (await noticesOf(rms.token)).find((n) => n.arrestRecordId === arrest.id);
    expect(mine?.bookingNumber).toBe(bookingNumber);

    for (const token of [w.coordinator.token, w.admin]) {
      const seen = (await noticesOf(token)).filter((n) => n.arrestRecordId === arrest.id);
      expect(seen).toHaveLength(1);
      expect(seen[0]).not.toHaveProperty('bookingNumber');
    }
  });

  it("gives another agency's notice no booking number, and hides every notice from other agencies' officers", async () => {
    const { enrollment, arrest } = await givenEnrollmentPendingReview(t, w);
    // The registering agency's own case system pulls the record: it holds a copy now.
    const caseSystem = await givenClient(t, w.admin, {
      agencyId: w.da.id,
      scopes: ['participants:read', 'sealing:ack'],
    });
    await get(caseSystem.token, `/api/v1/arrest-records/${arrest.id}`).expect(200);
    await post(w.clerk.token, `/api/v1/enrollments/${enrollment.id}/completion`, {
      decision: 'confirmed',
    }).expect(200);

    const daNotice = (await noticesOf(caseSystem.token)).find(
      (n) => n.arrestRecordId === arrest.id,
    );
    expect(daNotice).toMatchObject({ agencyId: w.da.id });
    expect(daNotice).not.toHaveProperty('bookingNumber');

    const otherPolice = await givenAgency(t, w.admin, { kind: 'law_enforcement' });
    const stranger = await givenUser(t, w.admin, { role: 'records', agencyId: otherPolice.id });
    expect(await noticesOf(stranger.token)).toEqual([]);
    const policeNotice = (await noticesOf(officer.token)).find(
      (n) => n.arrestRecordId === arrest.id,
    )!;
    expectProblem(
      await post(stranger.token, `/api/v1/sealing-notices/${policeNotice.id}/ack`),
      404,
      'not-found',
    );
    // Coordinators follow notices; only those who seal a copy acknowledge one.
    expect(
      (await post(w.coordinator.token, `/api/v1/sealing-notices/${policeNotice.id}/ack`)).status,
    ).toBe(403);
    const [row] = await db.query<{ status: string }[]>(
      `SELECT status FROM sealing_notices WHERE id = $1`,
      [policeNotice.id],
    );
    expect(row.status).toBe('pending');
  });

  it('sends the deciding court no notice, even after its clerk opened the record', async () => {
    const { enrollment, arrest } = await givenEnrollmentPendingReview(t, w);
    await get(w.clerk.token, `/api/v1/arrest-records/${arrest.id}`).expect(200);
    await post(w.clerk.token, `/api/v1/enrollments/${enrollment.id}/completion`, {
      decision: 'confirmed',
    }).expect(200);
    const notices = await db.query<{ agency_id: string }[]>(
      `SELECT agency_id FROM sealing_notices WHERE arrest_record_id = $1`,
      [arrest.id],
    );
    expect(notices.map((n) => n.agency_id)).toEqual([w.police.id]);
  });

  it('tells the arresting agency that its arrest was recorded: the id, nothing else', async () => {
    const feed = await givenClient(t, w.admin, { agencyId: w.police.id, scopes: ['events:read'] });
    const daFeed = await givenClient(t, w.admin, { agencyId: w.da.id, scopes: ['events:read'] });
    const { arrest } = await givenCompletedEnrollment(t, w);
    await outboxSettled(t);
    const eventsFor = async (token: string) =>
      (await get(token, '/api/v1/events?limit=500&types=arrest_record.created').expect(200)).body
        .items as { type: string; agencyId?: string; data: Record<string, unknown> }[];
    const police = (await eventsFor(feed.token)).filter((e) => e.data.arrestRecordId === arrest.id);
    expect(police).toEqual([
      expect.objectContaining({
        type: 'arrest_record.created',
        agencyId: w.police.id,
        data: { arrestRecordId: arrest.id },
      }),
    ]);
    expect(await eventsFor(daFeed.token)).toEqual([]);
  });

  it('emits the minor notification to the owning agency only, never to a provider', async () => {
    const { enrollment } = await givenCompletedEnrollment(t, w);
    const [notice] = (await noticesOf(officer.token)).filter(
      (n) => n.enrollmentId === enrollment.id,
    );
    await post(officer.token, `/api/v1/sealing-notices/${notice.id}/ack`).expect(200);
    await post(w.coordinator.token, `/api/v1/enrollments/${enrollment.id}/minor-notification`, {
      notifiedAt: new Date().toISOString(),
      method: 'mail',
    }).expect(200);
    await outboxSettled(t);
    const daFeed = await givenClient(t, w.admin, { agencyId: w.da.id, scopes: ['events:read'] });
    const clinicFeed = await givenClient(t, w.admin, {
      agencyId: w.clinic.id,
      scopes: ['events:read'],
    });
    const notified = async (token: string) =>
      (
        (await get(token, '/api/v1/events?limit=500&types=minor_notification.recorded').expect(200))
          .body.items as { data: { enrollmentId: string } }[]
      ).filter((e) => e.data.enrollmentId === enrollment.id);
    expect(await notified(daFeed.token)).toHaveLength(1);
    expect(await notified(clinicFeed.token)).toEqual([]);
  });
});
