import { MigrationInterface, QueryRunner } from 'typeorm';
import { ARREST_LOCATION, encryptPlaintext } from '../src/infrastructure/database/encrypted-column';

/**
 * An arrest's location (an address, often where the exploitation happened) is encrypted at
 * rest by the application like session notes (AES-256-GCM bound to the record, src/
 * infrastructure/crypto/field-cipher.ts): this converts the locations stored in plaintext
 * before, sealed records included. The key comes from the same settings the service reads
 * (FIELD_ENCRYPTION_KEYS / FIELD_ENCRYPTION_KEY_ID, else the key generated in DATA_DIR/keys),
 * so run it with the service's environment; it reads no key at all when there is nothing to
 * convert. The check constraint then keeps any plaintext from being stored again; the
 * retention purge still sets the column NULL.
 */
export class EncryptArrestLocation1764001600000 implements MigrationInterface {
  name = 'EncryptArrestLocation1764001600000';

  async up(db: QueryRunner): Promise<void> {
    await encryptPlaintext(db, ARREST_LOCATION);
    await db.query(`
      ALTER TABLE arrest_records ADD CONSTRAINT arrest_records_location_encrypted
        CHECK (location IS NULL OR location LIKE 'enc:v1:%');
    `);
  }

  /** Leaves the locations encrypted (decrypting needs the key: do it with the service if ever). */
  async down(db: QueryRunner): Promise<void> {
    await db.query(`
      ALTER TABLE arrest_records DROP CONSTRAINT arrest_records_location_encrypted;
    `);
  }
}
