import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A sealed arrest is deemed never to have occurred (WIC 786.5), so its booking number must not
 * block a new record: answering 409 would reveal that the sealed one exists. Booking numbers
 * stay unique per arresting agency among open records only.
 */
export class BookingNumberUniqueWhileOpen1764000400000 implements MigrationInterface {
  name = 'BookingNumberUniqueWhileOpen1764000400000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      DROP INDEX arrest_records_booking_unique;
      CREATE UNIQUE INDEX arrest_records_booking_unique ON arrest_records (arresting_agency_id, booking_number)
        WHERE status = 'open';
    `);
  }

  /** Fails if a sealed and an open record now share a booking number; resolve those first. */
  async down(db: QueryRunner): Promise<void> {
    await db.query(`
      DROP INDEX arrest_records_booking_unique;
      CREATE UNIQUE INDEX arrest_records_booking_unique ON arrest_records (arresting_agency_id, booking_number);
    `);
  }
}
