import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { Outbox } from '../src/events/outbox.service';
import { givenAgency, givenClient, givenUser, GivenUser } from './support/factories';
import { actingAs, expectProblem, UNKNOWN_ID } from './support/http';
import { auditSettled } from './support/audit';
import { startTestApp, TestApp } from './support/test-app';
import {
  givenActiveEnrollment,
  givenCompletedEnrollment,
  givenEnrollmentPendingReview,
  givenMilestone,
  givenWorld,
  recordAttendance,
  World,
} from './support/workflow';

interface Entry {
  actor_kind: string;
  actor_id: string | null;
  actor_agency_id: string | null;
  action: string;
  subject_type: string;
  subject_id: string | null;
  outcome: string;
  purpose: string | null;
  request_id: string | null;
}

/**
 * What the audit trail records (CJIS 5.4.1.1 events): each kind of event is found by its
 * entry, and a refused or rolled-back request leaves exactly what it should.
 */
describe('audit trail: what is recorded', () => {
  let t: TestApp;
  let db: DataSource;
  let w: World;
  let auditor: GivenUser;

  beforeAll(async () => {
    // Webhook subscriptions here point at a local address that is never called.
    t = await startTestApp({ WEBHOOK_ALLOW_PRIVATE: 'true' });
    db = t.app.get(DataSource);
    w = await givenWorld(t);
    auditor = await givenUser(t, w.admin, { role: 'auditor', agencyId: w.da.id });
  });
  afterAll(() => t.close());

  /** Entries written since `mark` (a position), in order. */
  const since = async (mark: string, where = 'TRUE', params: unknown[] = []): Promise<Entry[]> =>
    db.query(
      `SELECT actor_kind, actor_id, actor_agency_id, action, subject_type, subject_id, outcome,
              purpose, request_id
         FROM audit_events WHERE position > $1 AND ${where} ORDER BY position`,
      [mark, ...params],
    );
  const mark = async (): Promise<string> =>
    (await db.query(`SELECT coalesce(max(position), 0)::text AS p FROM audit_events`))[0].p;

  describe('sign-in', () => {
    it('records a successful login as the user, with the request id', async () => {
      const before = await mark();
      await t.http
        .post('/api/v1/auth/login')
        .set('x-request-id', 'login-trace-1')
        .send({ email: w.coordinator.email, password: w.coordinator.password })
        .expect(200);
      expect(await since(before)).toEqual([
        expect.objectContaining({
          actor_kind: 'user',
          actor_id: w.coordinator.id,
          actor_agency_id: w.da.id,
          action: 'auth.login',
          subject_id: w.coordinator.id,
          outcome: 'success',
          request_id: 'login-trace-1',
        }),
      ]);
    });

    it('records a failed login for a known account against that account, anonymously', async () => {
      const before = await mark();
      await t.http
        .post('/api/v1/auth/login')
        .send({ email: w.coordinator.email, password: 'wrong password, surely' })
        .expect(401);
      expect(await since(before)).toEqual([
        expect.objectContaining({
          actor_kind: 'anonymous',
          actor_id: null,
          action: 'auth.login',
          subject_type: 'user',
          subject_id: w.coordinator.id,
          outcome: 'denied',
        }),
      ]);
    });

    it('records a failed login for an unknown email without the email', async () => {
      const before = await mark();
      const email = `nobody-${randomUUID()}@example.test`;
      await t.http
        .post('/api/v1/auth/login')
        .send({ email, password: 'whatever it is' })
        .expect(401);
      const entries = await since(before);
      expect(entries).toEqual([
        expect.objectContaining({ action: 'auth.login', subject_id: null, outcome: 'denied' }),
      ]);
      expect(JSON.stringify(entries)).not.toContain(email);
    });

    it('records tokens issued to machine clients, and refused client credentials', async () => {
      const client = await givenClient(t, w.admin, {
        agencyId: w.police.id,
        scopes: ['events:read'],
      });
      const before = await mark();
      await t.http
        .post('/api/v1/auth/token')
        .send({
          grant_type: 'client_credentials',
          client_id: client.clientId,
          client_secret: client.clientSecret,
        })
        .expect(200);
      await t.http
        .post('/api/v1/auth/token')
        .send({
          grant_type: 'client_credentials',
          client_id: client.clientId,
          client_secret: 'not-the-secret',
        })
        .expect(401);
      expect(await since(before)).toEqual([
        expect.objectContaining({
          actor_kind: 'client',
          actor_id: client.id,
          action: 'auth.token_issued',
          subject_id: client.id,
          outcome: 'success',
        }),
        expect.objectContaining({
          actor_kind: 'anonymous',
          action: 'auth.token_issued',
          subject_id: client.id,
          outcome: 'denied',
        }),
      ]);
    });
  });

  describe('refused requests', () => {
    it('records a 401 anonymously, whatever the token claimed', async () => {
      const before = await mark();
      const participantId = randomUUID();
      await t.http
        .get(`/api/v1/participants/${participantId}`)
        .auth('not.a.token', { type: 'bearer' })
        .expect(401);
      expect(await since(before)).toEqual([
        expect.objectContaining({
          actor_kind: 'anonymous',
          action: 'participant.read',
          subject_id: participantId,
          outcome: 'denied',
        }),
      ]);
    });

    it('records a 403 with the caller, and garbage in the path as no subject', async () => {
      const before = await mark();
      await actingAs(t, w.clinicUser.token)
        .post('/api/v1/agencies', { name: 'Not mine to make', kind: 'ngo' })
        .expect(403);
      await actingAs(t, w.clinicUser.token).get(`/api/v1/sealing-notices`).expect(403);
      await t.http.get(`/api/v1/participants/not-a-uuid'--`).expect(401);
      expect(await since(before)).toEqual([
        expect.objectContaining({
          actor_id: w.clinicUser.id,
          action: 'agency.created',
          outcome: 'denied',
        }),
        expect.objectContaining({
          actor_id: w.clinicUser.id,
          action: 'sealing_notice.listed',
          outcome: 'denied',
        }),
        expect.objectContaining({
          actor_kind: 'anonymous',
          action: 'participant.read',
          subject_id: null,
          outcome: 'denied',
        }),
      ]);
    });

    it('records a 404 on a scoped resource as denied, and discloses nothing', async () => {
      const { enrollment } = await givenActiveEnrollment(t, w);
      const before = await mark();
      await actingAs(t, w.schoolUser.token).get(`/api/v1/enrollments/${enrollment.id}`).expect(404);
      expect(await since(before)).toEqual([
        expect.objectContaining({
          actor_id: w.schoolUser.id,
          action: 'enrollment.read',
          subject_id: enrollment.id,
          outcome: 'denied',
        }),
      ]);
    });
  });

  describe('program data', () => {
    it('records each read and change of the workflow, one entry per subject', async () => {
      const before = await mark();
      const { enrollment, participant, arrest } = await givenActiveEnrollment(t, w);
      const milestone = await givenMilestone(t, w, enrollment.id, {
        category: 'education',
        providerAgencyId: w.school.id,
        requiredSessions: 2,
      });
      const attendance = await recordAttendance(t, w.schoolUser.token, milestone.id).expect(201);
      const coordinator = actingAs(t, w.coordinator.token);
      await coordinator.get(`/api/v1/participants/${participant.id}`).expect(200);
      await coordinator.get(`/api/v1/arrest-records/${arrest.id}`).expect(200);
      await coordinator.get(`/api/v1/enrollments/${enrollment.id}`).expect(200);
      await coordinator.get(`/api/v1/milestones/${milestone.id}`).expect(200);
      await actingAs(t, w.schoolUser.token)
        .get(`/api/v1/milestones/${milestone.id}/attendance`)
        .expect(200);

      const entries = await since(before, `actor_id = ANY($2::uuid[])`, [
        [w.coordinator.id, w.schoolUser.id],
      ]);
      const seen = entries.map((e) => `${e.action} ${e.subject_type} ${e.subject_id}`);
      expect(seen).toEqual(
        expect.arrayContaining([
          `participant.created participant ${participant.id}`,
          `arrest_record.created arrest_record ${arrest.id}`,
          `enrollment.created enrollment ${enrollment.id}`,
          expect.stringMatching(/^consent\.recorded consent [0-9a-f-]{36}$/),
          `enrollment.activate enrollment ${enrollment.id}`,
          `milestone.created milestone ${milestone.id}`,
          `attendance.recorded attendance_record ${attendance.body.id}`,
          `participant.read participant ${participant.id}`,
          `arrest_record.read arrest_record ${arrest.id}`,
          `enrollment.read enrollment ${enrollment.id}`,
          `milestone.read milestone ${milestone.id}`,
          `attendance.read milestone ${milestone.id}`,
        ]),
      );
      expect(entries.every((e) => e.outcome === 'success' && e.request_id)).toBe(true);
    });

    it('records a list page as one entry per subject listed, and an empty page as one entry', async () => {
      await givenActiveEnrollment(t, w);
      await givenActiveEnrollment(t, w);
      const before = await mark();
      const page = await actingAs(t, w.coordinator.token)
        .get('/api/v1/enrollments?limit=2')
        .expect(200);
      await actingAs(t, w.coordinator.token)
        .get(`/api/v1/participants?search=${encodeURIComponent('Zzzyzx-nobody')}`)
        .expect(200);
      const entries = await since(before);
      expect(entries.map((e) => [e.action, e.subject_id])).toEqual([
        ...page.body.items.map((item: { id: string }) => ['enrollment.listed', item.id]),
        ['participant.listed', null],
      ]);
      // The page's entries come from one request.
      expect(new Set(entries.slice(0, 2).map((e) => e.request_id)).size).toBe(1);
    });

    it('records a completion on every subject it touched: enrollment, arrest record, each notice', async () => {
      const { enrollment, arrest } = await givenEnrollmentPendingReview(t, w);
      const before = await mark();
      await actingAs(t, w.clerk.token).get('/api/v1/court/review-queue').expect(200);
      await actingAs(t, w.clerk.token)
        .post(`/api/v1/enrollments/${enrollment.id}/completion`, { decision: 'confirmed' })
        .expect(200);
      const notices: { id: string }[] = await db.query(
        `SELECT id FROM sealing_notices WHERE arrest_record_id = $1`,
        [arrest.id],
      );
      const entries = await since(before, `actor_id = $2`, [w.clerk.id]);
      expect(entries.map((e) => `${e.action} ${e.subject_id}`)).toEqual(
        expect.arrayContaining([
          `enrollment.review_queue_listed ${enrollment.id}`,
          `enrollment.completion_decided ${enrollment.id}`,
          `enrollment.confirm_completion ${enrollment.id}`,
          `arrest_record.sealed ${arrest.id}`,
          ...notices.map((n) => `sealing_notice.created ${n.id}`),
        ]),
      );
      const completion = entries.filter((e) => e.action !== 'enrollment.review_queue_listed');
      expect(new Set(completion.map((e) => e.request_id)).size).toBe(1);
    });

    it('records a sealed record opened with a purpose, so one query answers who and why', async () => {
      const { arrest } = await givenCompletedEnrollment(t, w);
      await actingAs(t, w.clerk.token)
        .get(`/api/v1/arrest-records/${arrest.id}`)
        .set('x-access-purpose', 'Eligibility review, case JV-77')
        .expect(200);
      await actingAs(t, w.coordinator.token).get(`/api/v1/arrest-records/${arrest.id}`).expect(404);
      await auditSettled(t);

      const res = await actingAs(t, auditor.token)
        .get(`/api/v1/audit-events?subjectId=${arrest.id}&action=arrest_record.sealed_read`)
        .expect(200);
      expect(res.body.items).toEqual([
        expect.objectContaining({
          actor: { id: w.clerk.id, kind: 'user', agencyId: w.court.id },
          action: 'arrest_record.sealed_read',
          subjectType: 'arrest_record',
          subjectId: arrest.id,
          purpose: 'Eligibility review, case JV-77',
          outcome: 'success',
          seq: expect.any(Number),
        }),
      ]);
      const refused = await actingAs(t, auditor.token)
        .get(`/api/v1/audit-events?subjectId=${arrest.id}&outcome=denied`)
        .expect(200);
      expect(refused.body.items).toEqual([
        expect.objectContaining({ actor: expect.objectContaining({ id: w.coordinator.id }) }),
      ]);
    });
  });

  describe('administration and partners', () => {
    it('records admin changes, webhook subscription changes and feed reads', async () => {
      const before = await mark();
      const agency = await givenAgency(t, w.admin, { kind: 'law_enforcement' });
      const user = await givenUser(t, w.admin, { role: 'coordinator', agencyId: w.da.id });
      const client = await givenClient(t, w.admin, {
        agencyId: agency.id,
        scopes: ['webhooks:manage', 'events:read'],
      });
      const subscription = await actingAs(t, client.token)
        .post('/api/v1/webhook-subscriptions', {
          url: 'http://127.0.0.1:9/hooks',
          events: ['arrest_record.sealed'],
        })
        .expect(201);
      await t.http
        .delete(`/api/v1/webhook-subscriptions/${subscription.body.id}`)
        .auth(client.token, { type: 'bearer' })
        .expect(204);
      await actingAs(t, client.token).get('/api/v1/events').expect(200);

      const seen = (await since(before)).map((e) => `${e.action} ${e.subject_id}`);
      expect(seen).toEqual(
        expect.arrayContaining([
          `agency.created ${agency.id}`,
          `user.created ${user.id}`,
          `api_client.created ${client.id}`,
          `webhook_subscription.created ${subscription.body.id}`,
          `webhook_subscription.deleted ${subscription.body.id}`,
          'event.feed_read null',
        ]),
      );
    });

    it('records every read of the audit trail itself', async () => {
      const before = await mark();
      await actingAs(t, auditor.token).get('/api/v1/audit-events?limit=1').expect(200);
      await actingAs(t, auditor.token).get('/api/v1/audit-events/verify').expect(200);
      expect((await since(before)).map((e) => [e.action, e.actor_id])).toEqual([
        ['audit_event.listed', auditor.id],
        ['audit_log.verified', auditor.id],
      ]);
    });
  });

  describe('atomicity', () => {
    it('leaves no entry for a change that rolled back', async () => {
      const { enrollment } = await givenActiveEnrollment(t, w);
      const before = await mark();
      jest.spyOn(t.app.get(Outbox), 'emit').mockRejectedValueOnce(new Error('disk full'));
      await actingAs(t, w.coordinator.token)
        .post(`/api/v1/enrollments/${enrollment.id}/withdraw`, { reason: 'moved away' })
        .expect(500);
      expect(await since(before)).toEqual([]);
      // The same change, committed, has its entry.
      await actingAs(t, w.coordinator.token)
        .post(`/api/v1/enrollments/${enrollment.id}/withdraw`, { reason: 'moved away' })
        .expect(200);
      expect((await since(before)).map((e) => [e.action, e.subject_id, e.outcome])).toEqual([
        ['enrollment.withdraw', enrollment.id, 'success'],
      ]);
    });

    it('rolls back a change whose entry cannot be stored: no change without its entry', async () => {
      const { enrollment } = await givenActiveEnrollment(t, w);
      await db.query(`ALTER TABLE audit_events ADD CONSTRAINT test_refuse_withdrawals
                        CHECK (action <> 'enrollment.withdraw') NOT VALID`);
      try {
        await actingAs(t, w.coordinator.token)
          .post(`/api/v1/enrollments/${enrollment.id}/withdraw`, { reason: 'moved away' })
          .expect(500);
      } finally {
        await db.query(`ALTER TABLE audit_events DROP CONSTRAINT test_refuse_withdrawals`);
      }
      const view = await actingAs(t, w.coordinator.token)
        .get(`/api/v1/enrollments/${enrollment.id}`)
        .expect(200);
      expect(view.body.status).toBe('active');
    });

    it('answers a read only once its entry is stored: a read that cannot be recorded fails', async () => {
      const { participant } = await givenActiveEnrollment(t, w);
      await db.query(`ALTER TABLE audit_events ADD CONSTRAINT test_refuse_reads
                        CHECK (action <> 'participant.read') NOT VALID`);
      try {
        const res = await actingAs(t, w.coordinator.token)
          .get(`/api/v1/participants/${participant.id}`)
          .expect(500);
        expect(JSON.stringify(res.body)).not.toContain('Maria');
      } finally {
        await db.query(`ALTER TABLE audit_events DROP CONSTRAINT test_refuse_reads`);
      }
    });
  });

  describe('reading the trail', () => {
    it('is for auditors and admins only', async () => {
      expectProblem(
        await actingAs(t, w.coordinator.token).get('/api/v1/audit-events'),
        403,
        'forbidden',
      );
      await actingAs(t, w.admin).get('/api/v1/audit-events?limit=1').expect(200);
    });

    it('pages in log order with a keyset cursor, each entry exactly once', async () => {
      await auditSettled(t);
      const seen: { id: string; seq: number | null }[] = [];
      let cursor: string | null = null;
      do {
        const query: string = cursor ? `&cursor=${encodeURIComponent(cursor)}` : '';
        const res = await actingAs(t, auditor.token)
          .get(`/api/v1/audit-events?limit=7&actorId=${w.coordinator.id}${query}`)
          .expect(200);
        seen.push(...res.body.items);
        cursor = res.body.nextCursor;
      } while (cursor);
      const [{ n }] = await db.query(
        `SELECT count(*)::int AS n FROM audit_events WHERE actor_id = $1`,
        [w.coordinator.id],
      );
      expect(seen).toHaveLength(n);
      expect(new Set(seen.map((e) => e.id)).size).toBe(n);
      const seqs = seen.map((e) => e.seq as number);
      expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    });

    it('refuses forged cursors and bad filters with 400', async () => {
      for (const query of [
        'cursor=abc',
        `cursor=${Buffer.from(JSON.stringify(['99999999999999999999999', '1'])).toString('base64url')}`,
        'subjectId=not-a-uuid',
        'from=yesterday',
        'outcome=maybe',
        "action=x'; DROP TABLE audit_events; --",
      ]) {
        expectProblem(
          await actingAs(t, auditor.token).get(`/api/v1/audit-events?${query}`),
          400,
          'validation-failed',
        );
      }
    });

    it('filters by time', async () => {
      const from = new Date(Date.now() - 60_000).toISOString();
      const to = new Date(Date.now() + 60_000).toISOString();
      const res = await actingAs(t, auditor.token)
        .get(`/api/v1/audit-events?from=${from}&to=${to}&limit=500`)
        .expect(200);
      expect(res.body.items.length).toBeGreaterThan(0);
      for (const item of res.body.items as { at: string }[]) {
        expect(item.at >= from && item.at < to).toBe(true);
      }
      const none = await actingAs(t, auditor.token)
        .get(`/api/v1/audit-events?to=2000-01-01T00:00:00Z`)
        .expect(200);
      expect(none.body).toEqual({ items: [], nextCursor: null });
    });

    it('answers an unknown entry’s proof with 404', async () => {
      expectProblem(
        await actingAs(t, auditor.token).get(`/api/v1/audit-events/${UNKNOWN_ID}/inclusion`),
        404,
        'not-found',
      );
    });
  });
});
