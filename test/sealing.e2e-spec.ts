import { DataSource } from 'typeorm';
import { givenAgency, givenUser } from './support/factories';
import { UNKNOWN_ID, actingAs } from './support/http';
import { startTestApp, TestApp } from './support/test-app';
import {
  givenActiveEnrollment,
  givenClient,
  givenCompletedEnrollment,
  givenOtherCoordinator,
  givenWorld,
  World,
} from './support/workflow';

const DAY_MS = 86_400_000;

interface Notice {
  id: string;
  agencyId: string;
  enrollmentId: string;
  arrestRecordId: string;
  status: 'pending' | 'acknowledged';
  createdAt: string;
  dueAt: string;
  acknowledgedAt: string | null;
  reference: string | null;
  overdue: boolean;
}

describe('sealing notices and the statutory clocks', () => {
  let t: TestApp;
  let w: World;
  let db: DataSource;
  let policeClient: string;

  beforeAll(async () => {
    t = await startTestApp();
    w = await givenWorld(t);
    db = t.app.get(DataSource);
    policeClient = (
      await givenClient(t, w.admin, { agencyId: w.police.id, scopes: ['sealing:ack'] })
    ).token;
  });
  afterAll(() => t.close());

  const as = (token: string) => actingAs(t, token);

  async function noticesOf(token: string, query = ''): Promise<Notice[]> {
    const res = await as(token).get(`/api/v1/sealing-notices?limit=500${query}`).expect(200);
    return res.body.items as Notice[];
  }

  async function completedWithNotice() {
    const created = await givenCompletedEnrollment(t, w);
    const notice = (await noticesOf(w.coordinator.token)).find(
      (n) => n.enrollmentId === created.enrollment.id,
    );
    expect(notice).toBeDefined();
    return { ...created, notice: notice! };
  }

  async function noticeRow(id: string) {
    const [row] = await db.query(
      `SELECT status, acknowledged_at, acknowledged_by, reference FROM sealing_notices WHERE id = $1`,
      [id],
    );
    return row;
  }

  describe('listing', () => {
    it('shows each caller only its notices: owner coordinator, admin, the notified agency', async () => {
      const { notice } = await completedWithNotice();
      const other = await givenOtherCoordinator(t, w);
      const otherPolice = await givenAgency(t, w.admin, { kind: 'law_enforcement' });
      const otherPoliceClient = await givenClient(t, w.admin, {
        agencyId: otherPolice.id,
        scopes: ['sealing:ack'],
      });

      for (const token of [w.coordinator.token, w.admin, policeClient]) {
        expect((await noticesOf(token)).map((n) => n.id)).toContain(notice.id);
      }
      for (const token of [other.token, otherPoliceClient.token]) {
        expect((await noticesOf(token)).map((n) => n.id)).not.toContain(notice.id);
      }
    });

    it('refuses providers, court users and clients without sealing:ack (403)', async () => {
      const reader = await givenClient(t, w.admin, {
        agencyId: w.police.id,
        scopes: ['participants:read', 'events:read'],
      });
      for (const token of [w.clinicUser.token, w.clerk.token, reader.token]) {
        const res = await as(token).get('/api/v1/sealing-notices').expect(403);
        expect(res.body.type).toMatch(/:forbidden$/);
      }
    });

    it("never carries names or charges; only the arresting agency's own booking number", async () => {
      const { notice, arrest } = await completedWithNotice();
      const [record] = await db.query(
        `SELECT booking_number, charges FROM arrest_records WHERE id = $1`,
        [arrest.id],
      );
      const notices = await noticesOf(policeClient);
      const text = JSON.stringify(notices);
      expect(text).toContain(notice.id);
      for (const secret of ['PC 372', 'Public nuisance', 'Maria', 'Lopez']) {
        expect(text).not.toContain(secret);
      }
      // The police's own key to its copy, on the police's own notice (API.md "Additions").
      expect(notices.find((n) => n.id === notice.id)).toMatchObject({
        bookingNumber: record.booking_number,
      });
      // The coordinator follows the same notice without the booking number.
      expect(JSON.stringify(await noticesOf(w.coordinator.token))).not.toContain(
        record.booking_number,
      );
      expect(Object.keys(notice).sort()).toEqual(
        [
          'acknowledgedAt',
          'agencyId',
          'arrestRecordId',
          'createdAt',
          'dueAt',
          'enrollmentId',
          'id',
          'overdue',
          'reference',
          'status',
          'version',
        ].sort(),
      );
    });

    it('computes overdue from the due date, and filters by status', async () => {
      const late = await completedWithNotice();
      const onTime = await completedWithNotice();
      // The clock moved 61 days on: deadlines are the database's now() + 60 days, no clock to inject.
      await db.query(
        `UPDATE sealing_notices SET created_at = now() - interval '61 days',
                due_at = now() - interval '1 day' WHERE id = $1`,
        [late.notice.id],
      );

      const pending = await noticesOf(w.coordinator.token, '&status=pending');
      expect(pending.find((n) => n.id === late.notice.id)?.overdue).toBe(true);
      expect(pending.find((n) => n.id === onTime.notice.id)?.overdue).toBe(false);
      const overdue = (await noticesOf(w.coordinator.token, '&status=overdue')).map((n) => n.id);
      expect(overdue).toContain(late.notice.id);
      expect(overdue).not.toContain(onTime.notice.id);

      await as(policeClient).post(`/api/v1/sealing-notices/${late.notice.id}/ack`).expect(200);
      const acknowledged = await noticesOf(w.coordinator.token, '&status=acknowledged');
      expect(acknowledged.find((n) => n.id === late.notice.id)?.overdue).toBe(false);
      expect(acknowledged.map((n) => n.id)).not.toContain(onTime.notice.id);
      expect(
        (await noticesOf(w.coordinator.token, '&status=pending')).map((n) => n.id),
      ).not.toContain(late.notice.id);
      expect(
        (await noticesOf(w.coordinator.token, '&status=overdue')).map((n) => n.id),
      ).not.toContain(late.notice.id);
    });

    it('pages in creation order without skipping or repeating', async () => {
      for (let i = 0; i < 3; i++) await givenCompletedEnrollment(t, w);
      const all = (await noticesOf(w.coordinator.token)).map((n) => n.id);
      expect(all.length).toBeGreaterThanOrEqual(3);
      const paged: string[] = [];
      let cursor: string | null = null;
      do {
        const url: string = `/api/v1/sealing-notices?limit=2${cursor ? `&cursor=${cursor}` : ''}`;
        const page = await as(w.coordinator.token).get(url).expect(200);
        paged.push(...page.body.items.map((n: Notice) => n.id));
        cursor = page.body.nextCursor;
      } while (cursor);
      expect(paged).toEqual(all);
    });

    it('validates the query', async () => {
      await as(w.coordinator.token).get('/api/v1/sealing-notices?status=sealed').expect(400);
      await as(w.coordinator.token).get('/api/v1/sealing-notices?limit=0').expect(400);
      await as(w.coordinator.token).get('/api/v1/sealing-notices?cursor=nonsense').expect(400);
    });
  });

  describe('acknowledgement', () => {
    it('records who acknowledged, with the reference, and emits the event in the same change', async () => {
      const { notice, enrollment, arrest } = await completedWithNotice();
      const client = await givenClient(t, w.admin, {
        agencyId: w.police.id,
        scopes: ['sealing:ack'],
      });
      const res = await as(client.token)
        .post(`/api/v1/sealing-notices/${notice.id}/ack`, { reference: 'RMS-4471' })
        .expect(200);
      expect(res.body).toMatchObject({
        id: notice.id,
        status: 'acknowledged',
        reference: 'RMS-4471',
        createdAt: notice.createdAt,
        dueAt: notice.dueAt,
      });
      expect(await noticeRow(notice.id)).toMatchObject({
        status: 'acknowledged',
        acknowledged_by: client.id,
        reference: 'RMS-4471',
      });
      const [event] = await db.query(
        `SELECT agency_id, enrollment_id, data FROM outbox_events
          WHERE type = 'sealing_notice.acknowledged' AND data->>'sealingNoticeId' = $1`,
        [notice.id],
      );
      expect(event).toEqual({
        agency_id: w.police.id,
        enrollment_id: enrollment.id,
        data: {
          sealingNoticeId: notice.id,
          arrestRecordId: arrest.id,
          agencyId: w.police.id,
          acknowledgedAt: res.body.acknowledgedAt,
        },
      });
      const audit = await db.query(
        `SELECT action, actor_id FROM audit_events WHERE subject_id = $1 ORDER BY position`,
        [notice.id],
      );
      expect(audit).toContainEqual({ action: 'sealing_notice.acknowledged', actor_id: client.id });
    });

    it('answers 409 on a second acknowledgement and keeps the first', async () => {
      const { notice } = await completedWithNotice();
      await as(policeClient)
        .post(`/api/v1/sealing-notices/${notice.id}/ack`, { reference: 'first' })
        .expect(200);
      const before = await noticeRow(notice.id);
      const res = await as(policeClient)
        .post(`/api/v1/sealing-notices/${notice.id}/ack`, { reference: 'second' })
        .expect(409);
      expect(res.body.type).toMatch(/:sealing-notice-already-acknowledged$/);
      expect(await noticeRow(notice.id)).toEqual(before);
      const [{ count }] = await db.query(
        `SELECT count(*)::int AS count FROM outbox_events
          WHERE type = 'sealing_notice.acknowledged' AND data->>'sealingNoticeId' = $1`,
        [notice.id],
      );
      expect(count).toBe(1);
    });

    it('is 404 for another agency, and 403 for people, and changes nothing', async () => {
      const { notice } = await completedWithNotice();
      const otherPolice = await givenAgency(t, w.admin, { kind: 'law_enforcement' });
      const otherClient = await givenClient(t, w.admin, {
        agencyId: otherPolice.id,
        scopes: ['sealing:ack'],
      });
      const otherRes = await as(otherClient.token)
        .post(`/api/v1/sealing-notices/${notice.id}/ack`)
        .expect(404);
      const unknownRes = await as(otherClient.token)
        .post(`/api/v1/sealing-notices/${UNKNOWN_ID}/ack`)
        .expect(404);
      expect(otherRes.body.detail).toBe(unknownRes.body.detail);
      for (const token of [w.coordinator.token, w.admin, w.clerk.token]) {
        await as(token).post(`/api/v1/sealing-notices/${notice.id}/ack`).expect(403);
      }
      const noScope = await givenClient(t, w.admin, {
        agencyId: w.police.id,
        scopes: ['events:read'],
      });
      await as(noScope.token).post(`/api/v1/sealing-notices/${notice.id}/ack`).expect(403);
      expect(await noticeRow(notice.id)).toMatchObject({
        status: 'pending',
        acknowledged_at: null,
      });
    });

    it('validates the reference', async () => {
      const { notice } = await completedWithNotice();
      const res = await as(policeClient)
        .post(`/api/v1/sealing-notices/${notice.id}/ack`, { reference: 'x'.repeat(201) })
        .expect(400);
      expect(res.body.errors).toEqual([{ field: 'reference', message: expect.any(String) }]);
      await as(policeClient)
        .post(`/api/v1/sealing-notices/${notice.id}/ack`, { extra: 1 })
        .expect(400);
      await as(policeClient).post('/api/v1/sealing-notices/not-a-uuid/ack').expect(400);
      expect(await noticeRow(notice.id)).toMatchObject({ status: 'pending' });
    });
  });

  describe("the minor's written notice", () => {
    const notify = (token: string, enrollmentId: string, body: object) =>
      as(token).post(`/api/v1/enrollments/${enrollmentId}/minor-notification`, body);
    const status = (token: string, enrollmentId: string) =>
      as(token).get(`/api/v1/enrollments/${enrollmentId}/sealing-status`);

    it('is due 30 days after the last acknowledgement, and overdue after that', async () => {
      const { enrollment, notice } = await completedWithNotice();
      const pending = await status(w.coordinator.token, enrollment.id).expect(200);
      expect(pending.body).toEqual({
        enrollmentId: enrollment.id,
        notices: [expect.objectContaining({ id: notice.id, status: 'pending' })],
        minorNotificationDueAt: null,
        minorNotifiedAt: null,
        minorNotificationMethod: null,
        minorNotificationOverdue: false,
      });

      await as(policeClient).post(`/api/v1/sealing-notices/${notice.id}/ack`).expect(200);
      // The clock moved 31 days on since the acknowledgement: no clock to inject.
      await db.query(
        `UPDATE sealing_notices SET acknowledged_at = now() - interval '31 days' WHERE id = $1`,
        [notice.id],
      );
      const overdue = await status(w.coordinator.token, enrollment.id).expect(200);
      const [{ acknowledged_at }] = await db.query(
        `SELECT acknowledged_at FROM sealing_notices WHERE id = $1`,
        [notice.id],
      );
      expect(Date.parse(overdue.body.minorNotificationDueAt)).toBe(
        new Date(acknowledged_at).getTime() + 30 * DAY_MS,
      );
      expect(overdue.body.minorNotificationOverdue).toBe(true);

      const notifiedAt = new Date().toISOString();
      const res = await notify(w.coordinator.token, enrollment.id, {
        notifiedAt,
        method: 'in_person',
      }).expect(200);
      expect(res.body).toMatchObject({
        minorNotifiedAt: notifiedAt,
        minorNotificationMethod: 'in_person',
        minorNotificationOverdue: false,
      });
      const [row] = await db.query(
        `SELECT minor_notified_at, minor_notification_method FROM enrollments WHERE id = $1`,
        [enrollment.id],
      );
      expect(new Date(row.minor_notified_at).toISOString()).toBe(notifiedAt);
      expect(row.minor_notification_method).toBe('in_person');
      const audit = await db.query(`SELECT action FROM audit_events WHERE subject_id = $1`, [
        enrollment.id,
      ]);
      expect(audit.map((a: { action: string }) => a.action)).toContain('enrollment.minor_notified');

      const again = await notify(w.coordinator.token, enrollment.id, {
        notifiedAt: new Date().toISOString(),
        method: 'mail',
      }).expect(409);
      expect(again.body.type).toMatch(/:minor-notification-already-recorded$/);
      const [unchanged] = await db.query(
        `SELECT minor_notification_method FROM enrollments WHERE id = $1`,
        [enrollment.id],
      );
      expect(unchanged.minor_notification_method).toBe('in_person');
    });

    it('is refused (409) for an enrollment that is not completed, and writes nothing', async () => {
      const { enrollment } = await givenActiveEnrollment(t, w);
      const res = await notify(w.coordinator.token, enrollment.id, {
        notifiedAt: new Date().toISOString(),
        method: 'mail',
      }).expect(409);
      expect(res.body.type).toMatch(/:enrollment-not-completed$/);
      const [row] = await db.query(`SELECT minor_notified_at FROM enrollments WHERE id = $1`, [
        enrollment.id,
      ]);
      expect(row.minor_notified_at).toBeNull();
    });

    it('validates the date and the method', async () => {
      const { enrollment } = await completedWithNotice();
      const cases: [object, string][] = [
        [{ method: 'mail' }, 'notifiedAt'],
        [{ notifiedAt: '2026-01-01', method: 'mail' }, 'notifiedAt'],
        [{ notifiedAt: '2026-01-01T10:00:00', method: 'mail' }, 'notifiedAt'],
        [{ notifiedAt: new Date().toISOString(), method: 'carrier pigeon' }, 'method'],
        [
          { notifiedAt: new Date(Date.now() + 2 * DAY_MS).toISOString(), method: 'mail' },
          'notifiedAt',
        ],
        [
          { notifiedAt: new Date(Date.now() - 2 * DAY_MS).toISOString(), method: 'mail' },
          'notifiedAt',
        ],
      ];
      for (const [body, field] of cases) {
        const res = await notify(w.coordinator.token, enrollment.id, body).expect(400);
        expect(res.body.errors.map((e: { field: string }) => e.field)).toEqual([field]);
      }
      const [row] = await db.query(`SELECT minor_notified_at FROM enrollments WHERE id = $1`, [
        enrollment.id,
      ]);
      expect(row.minor_notified_at).toBeNull();
    });

    it("is the owning coordinator's: 404 for another agency, 403 for other roles", async () => {
      const { enrollment } = await completedWithNotice();
      const other = await givenOtherCoordinator(t, w);
      const body = { notifiedAt: new Date().toISOString(), method: 'mail' };
      await notify(other.token, enrollment.id, body).expect(404);
      await status(other.token, enrollment.id).expect(404);
      await status(w.coordinator.token, UNKNOWN_ID).expect(404);
      const otherClerk = await givenUser(t, w.admin, { role: 'court', agencyId: w.court.id });
      for (const token of [w.clinicUser.token, otherClerk.token, w.admin, policeClient]) {
        await notify(token, enrollment.id, body).expect(403);
      }
      for (const token of [w.clinicUser.token, w.clerk.token, policeClient]) {
        await status(token, enrollment.id).expect(403);
      }
      await status(w.admin, enrollment.id).expect(200);
      const [row] = await db.query(`SELECT minor_notified_at FROM enrollments WHERE id = $1`, [
        enrollment.id,
      ]);
      expect(row.minor_notified_at).toBeNull();
    });
  });
});
