import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Booking numbers are unique per (owner agency, arresting agency) among open records (API.md,
 * "Additions"). Unique per arresting agency alone, one agency's registration answered 409
 * because of another agency's open record: it confirmed that agency's arrest, flipped to 201
 * once that record was sealed (revealing the sealing), and let anyone squat another agency's
 * booking numbers. No agency's request may answer differently because of another's rows.
 */
export class BookingNumberUniquePerOwner1764001300000 implements MigrationInterface {
  name = 'BookingNumberUniquePerOwner1764001300000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      DROP INDEX arrest_records_booking_unique;
      CREATE UNIQUE INDEX arrest_records_booking_unique
        ON arrest_records (owner_agency_id, arresting_agency_id, booking_number)
        WHERE status = 'open';
    `);
  }

  /** Fails if two owners now hold open records with one booking number; resolve those first. */
  async down(db: QueryRunner): Promise<void> {
    await db.query(`
      DROP INDEX arrest_records_booking_unique;
      CREATE UNIQUE INDEX arrest_records_booking_unique ON arrest_records (arresting_agency_id, booking_number)
        WHERE status = 'open';
    `);
  }
}
