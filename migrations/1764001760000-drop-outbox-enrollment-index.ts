import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Drops `outbox_events_enrollment (enrollment_id, position)`: no query reads events by
 * enrollment. The feed and the webhook dispatcher walk `outbox_events_txid_position` (commit
 * order) and join each event to its enrollment by `enrollments_pkey`; the feed of an agency's
 * own events also uses `outbox_events_agency`; the recipients' read joins by `id`
 * (docs/queries/outbox.sql; no plan in docs/plans/medium.md or large.md uses this index).
 * It was pure write cost: every event, ~1000 per attendance batch, put an entry on the leaf
 * page of its enrollment, a random page of an index as large as the outbox.
 *
 * Its one other use would be the foreign key `outbox_events.enrollment_id -> enrollments`
 * on a DELETE of an enrollment (or a change of its id), which would then scan the outbox:
 * enrollments are never deleted (the retention purge scrubs, it does not delete). Whoever
 * adds such a delete re-creates this index first (down()).
 */
export class DropOutboxEnrollmentIndex1764001760000 implements MigrationInterface {
  name = 'DropOutboxEnrollmentIndex1764001760000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`DROP INDEX outbox_events_enrollment`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(
      `CREATE INDEX outbox_events_enrollment ON outbox_events (enrollment_id, position)`,
    );
  }
}
