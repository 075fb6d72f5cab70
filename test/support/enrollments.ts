/**
 * What the enrollment e2e specs share: the route of an enrollment (or one of its actions), and
 * reads of what the database holds, to assert that a refused request wrote nothing.
 */
import { DataSource } from 'typeorm';
import type { TestApp } from './test-app';
import { attendSessions, givenActiveEnrollment, givenMilestone, World } from './workflow';

export const enrollmentUrl = (id: string, action = '') =>
  `/api/v1/enrollments/${id}${action ? `/${action}` : ''}`;

/** The enrollment's row (status, version, dates) and the count of each kind of child row. */
export async function storedEnrollment(db: DataSource, enrollmentId: string) {
  const [row] = await db.query(
    `SELECT status, version, scheduled_end_date, ended_at, end_reason, activated_at, submitted_for_review_at
       FROM enrollments WHERE id = $1`,
    [enrollmentId],
  );
  const [{ extensions }] = await db.query(
    `SELECT count(*)::int AS extensions FROM enrollment_extensions WHERE enrollment_id = $1`,
    [enrollmentId],
  );
  const [{ consents }] = await db.query(
    `SELECT count(*)::int AS consents FROM consents WHERE enrollment_id = $1`,
    [enrollmentId],
  );
  const [{ milestones }] = await db.query(
    `SELECT count(*)::int AS milestones FROM milestones WHERE enrollment_id = $1`,
    [enrollmentId],
  );
  return { ...row, extensions, consents, milestones };
}

/** The enrollment's outbox events, oldest first. */
export async function enrollmentEvents(db: DataSource, enrollmentId: string) {
  return db.query<{ type: string; data: Record<string, unknown> }[]>(
    `SELECT type, data FROM outbox_events WHERE enrollment_id = $1 ORDER BY position`,
    [enrollmentId],
  );
}

/** An active enrollment whose plan (one mental-health milestone of 2 sessions) the clinic's attendance met. */
export async function givenEnrollmentReadyForReview(t: TestApp, w: World) {
  const created = await givenActiveEnrollment(t, w);
  const milestone = await givenMilestone(t, w, created.enrollment.id, {
    category: 'mental_health',
    providerAgencyId: w.clinic.id,
    requiredSessions: 2,
  });
  await attendSessions(t, w.clinicUser.token, milestone.id, 2);
  return created;
}
