import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A coordinator (or an agency's machine client) sees the participants its agency registered
 * and those with an enrollment its agency owns. Participant search probes, per name match
 * the agency does not own, whether one of its enrollments belongs to the agency
 * (privacy/visibility.ts `participantVisibleTo`); with the owner in the index the probe is
 * index-only and never reads the enrollment rows. It supersedes enrollments_participant
 * (participant_id alone): every lookup by participant uses the wider index's prefix.
 */
export class EnrollmentsParticipantOwner1764001710000 implements MigrationInterface {
  name = 'EnrollmentsParticipantOwner1764001710000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE INDEX enrollments_participant_owner ON enrollments (participant_id, owner_agency_id);
      DROP INDEX enrollments_participant;
    `);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE INDEX enrollments_participant ON enrollments (participant_id);
      DROP INDEX enrollments_participant_owner;
    `);
  }
}
