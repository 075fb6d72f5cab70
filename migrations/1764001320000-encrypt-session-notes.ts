import { MigrationInterface, QueryRunner } from 'typeorm';
import { encryptPlaintext, SESSION_NOTES } from '../src/infrastructure/database/encrypted-column';

/**
 * Session notes are encrypted at rest by the application (AES-256-GCM, src/infrastructure/
 * crypto/field-cipher.ts): this converts the notes stored in plaintext before. The key comes
 * from the same settings the service reads (FIELD_ENCRYPTION_KEYS / FIELD_ENCRYPTION_KEY_ID,
 * else the key generated in DATA_DIR/keys), so run it with the service's environment; it
 * reads no key at all when there is nothing to convert. The check constraint then keeps any
 * plaintext from being stored again.
 */
export class EncryptSessionNotes1764001320000 implements MigrationInterface {
  name = 'EncryptSessionNotes1764001320000';

  async up(db: QueryRunner): Promise<void> {
    // The 4000-character limit is the plaintext's (validated on input); its ciphertext is
    // longer: up to 4 bytes per character, base64, plus IV, tag and key id.
    await db.query(`
      ALTER TABLE attendance_records DROP CONSTRAINT attendance_records_notes_check;
      ALTER TABLE attendance_records ADD CONSTRAINT attendance_records_notes_check
        CHECK (length(notes) <= 22000);
    `);
    await encryptPlaintext(db, SESSION_NOTES);
    await db.query(`
      ALTER TABLE attendance_records ADD CONSTRAINT attendance_records_notes_encrypted
        CHECK (notes IS NULL OR notes LIKE 'enc:v1:%');
    `);
  }

  /** Leaves the notes encrypted (decrypting needs the key: do it with the service if ever). */
  async down(db: QueryRunner): Promise<void> {
    await db.query(`
      ALTER TABLE attendance_records DROP CONSTRAINT attendance_records_notes_encrypted;
    `);
  }
}
