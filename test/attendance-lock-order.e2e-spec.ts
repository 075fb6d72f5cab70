/**
 * Attendance writes lock an enrollment before its milestones (milestones.repository.ts, the
 * lock order every writer of the plan shares). Two batches of one provider on milestones of
 * the same enrollment must queue, never deadlock: a deadlock is a 409 the provider's system
 * has to retry, and it showed as one in a loaded full run.
 *
 * Staged with a third session holding the enrollment, so both batches are inside their lock
 * statement at once: the batch on both milestones first, then the batch on the second one.
 * Had a batch locked its first milestone before the enrollment, the first would hold the
 * first milestone and the second the second one, both waiting for the enrollment; once it is
 * free, the first would take it and then wait for the second milestone: a cycle.
 */
import { Client } from 'pg';
import { actingAs } from './support/http';
import { testServerUrl } from './support/test-database';
import { startTestApp, TestApp } from './support/test-app';
import { givenActiveEnrollment, givenMilestone, givenWorld, World } from './support/workflow';

// Three sessions at once need a real server: the embedded database runs one at a time.
const onServer = testServerUrl() ? describe : describe.skip;

/** Waits until `count` sessions of this database wait for a lock (the staged batches). */
async function sessionsWaitingForLocks(db: Client, count: number): Promise<void> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const [{ waiting }] = (
      await db.query<{ waiting: number }>(
        `SELECT count(*)::int AS waiting FROM pg_stat_activity
          WHERE datname = current_database() AND wait_event_type = 'Lock'`,
      )
    ).rows;
    if (waiting >= count) return;
    if (Date.now() > deadline) throw new Error(`${waiting} of ${count} sessions wait for a lock`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

onServer('attendance lock order (real PostgreSQL)', () => {
  let t: TestApp;
  let w: World;
  let holder: Client;
  beforeAll(async () => {
    t = await startTestApp();
    w = await givenWorld(t);
    holder = new Client({ connectionString: t.databaseUrl });
    await holder.connect();
  });
  afterAll(async () => {
    await holder.end();
    await t.close();
  });

  it('two batches on milestones of one enrollment queue instead of deadlocking', async () => {
    const { enrollment } = await givenActiveEnrollment(t, w);
    const milestones = [];
    for (const category of ['mental_health', 'substance_abuse']) {
      milestones.push(
        await givenMilestone(t, w, enrollment.id, {
          category,
          providerAgencyId: w.clinic.id,
          requiredSessions: 20,
        }),
      );
    }
    const [first, second] = milestones.map((m) => m.id).sort();
    const today = new Date().toISOString().slice(0, 10);
    const batch = (tag: string, milestoneIds: string[]) => ({
      records: milestoneIds.map((milestoneId, i) => ({
        milestoneId,
        sessionDate: today,
        status: 'present',
        externalId: `lock-order-${tag}-${i}`,
      })),
    });
    const as = actingAs(t, w.clinicUser.token);

    await holder.query('BEGIN');
    await holder.query('SELECT 1 FROM enrollments WHERE id = $1 FOR NO KEY UPDATE', [
      enrollment.id,
    ]);
    const onBoth = as.post('/api/v1/attendance/batch', batch('both', [first, second])).then();
    await sessionsWaitingForLocks(holder, 1);
    const onSecond = as.post('/api/v1/attendance/batch', batch('second', [second])).then();
    await sessionsWaitingForLocks(holder, 2);
    await holder.query('COMMIT');

    const answers = await Promise.all([onBoth, onSecond]);
    expect(
      answers.map((res) => [res.status, (res.body as { accepted?: number }).accepted]),
    ).toEqual([
      [200, 2],
      [200, 1],
    ]);
  });
});
