/**
 * Caseloads: an enrollment is its creator's case until it is reassigned to another enabled
 * coordinator of the owning agency; a coordinator lists its own with `?assignedTo=me`.
 */
import { DataSource } from 'typeorm';
import { givenUser, GivenUser } from './support/factories';
import { actingAs, expectProblem, UNKNOWN_ID } from './support/http';
import { startTestApp, TestApp } from './support/test-app';
import {
  givenActiveEnrollment,
  givenEnrollment,
  givenMilestone,
  givenOtherCoordinator,
  givenWorld,
  recordAttendance,
  World,
} from './support/workflow';

describe('caseloads', () => {
  let t: TestApp;
  let w: World;
  let db: DataSource;
  let colleague: GivenUser;
  let otherCoordinator: GivenUser;

  beforeAll(async () => {
    t = await startTestApp();
    w = await givenWorld(t);
    db = t.app.get(DataSource);
    colleague = await givenUser(t, w.admin, { role: 'coordinator', agencyId: w.da.id });
    otherCoordinator = await givenOtherCoordinator(t, w);
  });
  afterAll(() => t.close());

  const as = (token: string) => actingAs(t, token);
  const caseload = async (token: string, assignedTo: string) =>
    (
      await as(token).get(`/api/v1/enrollments?limit=500&assignedTo=${assignedTo}`).expect(200)
    ).body.items.map((e: { id: string }) => e.id);
  const assign = (token: string, id: string, coordinatorId: string, ifMatch?: string) =>
    as(token).post(
      `/api/v1/enrollments/${id}/assign`,
      { coordinatorId },
      ifMatch ? { 'If-Match': ifMatch } : {},
    );

  it('assigns a new enrollment to its creator', async () => {
    const { enrollment } = await givenEnrollment(t, w);
    const read = await as(w.coordinator.token).get(`/api/v1/enrollments/${enrollment.id}`);
    expect(read.body.assignedCoordinatorId).toBe(w.coordinator.id);
    expect(await caseload(w.coordinator.token, 'me')).toContain(enrollment.id);
    expect(await caseload(colleague.token, 'me')).not.toContain(enrollment.id);
  });

  it("gives a coordinator's work list its own caseload by default, the agency's with assignedTo=all", async () => {
    // Ready for review: active, every milestone met.
    const { enrollment } = await givenActiveEnrollment(t, w);
    const milestone = await givenMilestone(t, w, enrollment.id, {
      category: 'education',
      providerAgencyId: w.school.id,
      requiredSessions: 1,
    });
    await recordAttendance(t, w.schoolUser.token, milestone.id).expect(201);
    const workList = async (token: string, extra = '') =>
      (
        await as(token)
          .get(`/api/v1/enrollments?limit=500&view=ready_for_review${extra}`)
          .expect(200)
      ).body.items.map((e: { id: string }) => e.id);
    expect(await workList(w.coordinator.token)).toContain(enrollment.id);
    expect(await workList(colleague.token)).not.toContain(enrollment.id);
    expect(await workList(colleague.token, '&assignedTo=all')).toContain(enrollment.id);
  });

  it('reassigns within the agency: the caseloads follow, the ETag moves, audited with an event', async () => {
    const { enrollment } = await givenEnrollment(t, w);
    const before = await as(w.coordinator.token).get(`/api/v1/enrollments/${enrollment.id}`);
    expectProblem(
      await assign(w.coordinator.token, enrollment.id, colleague.id, '"999"'),
      412,
      'precondition-failed',
    );
    const res = await assign(
      w.coordinator.token,
      enrollment.id,
      colleague.id,
      before.headers.etag,
    ).expect(200);
    expect(res.body.assignedCoordinatorId).toBe(colleague.id);
    expect(res.headers.etag).not.toBe(before.headers.etag);

    expect(await caseload(colleague.token, 'me')).toContain(enrollment.id);
    expect(await caseload(w.coordinator.token, 'me')).not.toContain(enrollment.id);
    expect(await caseload(w.coordinator.token, colleague.id)).toContain(enrollment.id);
    // Without the filter, the agency's coordinators still see every case of the agency.
    const all = await as(w.coordinator.token).get('/api/v1/enrollments?limit=500');
    expect(all.body.items.map((e: { id: string }) => e.id)).toContain(enrollment.id);

    const [event] = await db.query(
      `SELECT data FROM outbox_events WHERE type = 'enrollment.assigned' AND enrollment_id = $1`,
      [enrollment.id],
    );
    expect(event.data).toEqual({
      enrollmentId: enrollment.id,
      assignedCoordinatorId: colleague.id,
      previousCoordinatorId: w.coordinator.id,
    });
    const audit = await db.query(
      `SELECT action FROM audit_events WHERE subject_id = $1 AND outcome = 'success'`,
      [enrollment.id],
    );
    expect(audit.map((a: { action: string }) => a.action)).toContain('enrollment.assigned');
  });

  it('refuses an assignee outside the agency, not a coordinator, unknown or disabled (422)', async () => {
    const { enrollment } = await givenEnrollment(t, w);
    const disabled = await givenUser(t, w.admin, { role: 'coordinator', agencyId: w.da.id });
    const user = await as(w.admin).get(`/api/v1/users/${disabled.id}`).expect(200);
    await t.http
      .patch(`/api/v1/users/${disabled.id}`)
      .auth(w.admin, { type: 'bearer' })
      .set('If-Match', user.headers.etag)
      .send({ disabled: true })
      .expect(200);
    for (const id of [otherCoordinator.id, w.clinicUser.id, UNKNOWN_ID, disabled.id]) {
      expectProblem(
        await assign(w.coordinator.token, enrollment.id, id),
        422,
        'enrollment-assignee-invalid',
      );
    }
    const read = await as(w.coordinator.token).get(`/api/v1/enrollments/${enrollment.id}`);
    expect(read.body.assignedCoordinatorId).toBe(w.coordinator.id);
  });

  it('answers 404 to another agency and 403 to a provider; refuses a bad assignedTo (400)', async () => {
    const { enrollment } = await givenEnrollment(t, w);
    expectProblem(
      await assign(otherCoordinator.token, enrollment.id, otherCoordinator.id),
      404,
      'not-found',
    );
    await assign(w.clinicUser.token, enrollment.id, colleague.id).expect(403);
    expectProblem(
      await as(w.coordinator.token).get('/api/v1/enrollments?assignedTo=someone'),
      400,
      'validation-failed',
    );
  });
});
