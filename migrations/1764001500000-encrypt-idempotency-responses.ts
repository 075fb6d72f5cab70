import { MigrationInterface, QueryRunner } from 'typeorm';
import { FieldCipher, idempotencyResponseContext } from '../src/infrastructure/crypto/field-cipher';

const BATCH = 500;

/**
 * Stored Idempotency-Key responses hold what a request answered (session notes with a shelter
 * placement, minors' names, dates of birth, arrest details) for 24 hours: they are now
 * encrypted at rest like session notes (FieldCipher, AES-256-GCM, bound to the (caller_id,
 * key) row), so `response_body` becomes text holding `enc:v1:...`, and a check keeps plaintext
 * out. A sealing can no longer search the body, so `mentions` keeps the ids a response names
 * (every uuid-shaped string in it and in its headers, as src/common/idempotency/
 * mentioned-ids.ts finds them), GIN-indexed for `mentions @> ARRAY[id]`.
 *
 * Rows stored before are converted here: their mentions from the JSON text by the same
 * pattern, then their bodies encrypted with the key from the settings the service reads
 * (FIELD_ENCRYPTION_KEYS / FIELD_ENCRYPTION_KEY_ID, else the key generated in DATA_DIR/keys),
 * so run it with the service's environment; it reads no key when there is nothing to convert.
 */
export class EncryptIdempotencyResponses1764001500000 implements MigrationInterface {
  name = 'EncryptIdempotencyResponses1764001500000';

  async up(db: QueryRunner): Promise<void> {
    // Withdrawn rows hold nothing and mention nothing (a sealed record's id included).
    await db.query(`
      ALTER TABLE idempotency_keys ADD COLUMN mentions uuid[] NOT NULL DEFAULT '{}';
      UPDATE idempotency_keys SET mentions = ARRAY(
          SELECT DISTINCT lower(m[1])::uuid
            FROM regexp_matches(response_body::text || ' ' || response_headers::text,
              '([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})',
              'g') AS m)
        WHERE NOT withdrawn AND response_body IS NOT NULL;
      ALTER TABLE idempotency_keys ALTER COLUMN response_body TYPE text
        USING response_body::text;
      ALTER TABLE idempotency_keys DROP CONSTRAINT idempotency_keys_withdrawn_empty;
      ALTER TABLE idempotency_keys ADD CONSTRAINT idempotency_keys_withdrawn_empty
        CHECK (NOT withdrawn OR (response_body IS NULL AND response_headers = '{}'::jsonb
          AND mentions = '{}'));
      CREATE INDEX idempotency_keys_mentions ON idempotency_keys USING gin (mentions);
    `);
    const plaintext = async () =>
      (await db.query(
        `SELECT caller_id, key, response_body FROM idempotency_keys
          WHERE response_body IS NOT NULL AND response_body NOT LIKE 'enc:v1:%'
          ORDER BY caller_id, key LIMIT ${BATCH}`,
      )) as { caller_id: string; key: string; response_body: string }[];
    let rows = await plaintext();
    if (rows.length > 0) {
      const { cipher } = FieldCipher.fromSettings({
        FIELD_ENCRYPTION_KEYS: process.env.FIELD_ENCRYPTION_KEYS,
        FIELD_ENCRYPTION_KEY_ID: process.env.FIELD_ENCRYPTION_KEY_ID,
        DATA_DIR: process.env.DATA_DIR ?? './data',
      });
      while (rows.length > 0) {
        await db.query(
          `UPDATE idempotency_keys k SET response_body = u.body
             FROM unnest($1::uuid[], $2::text[], $3::text[]) AS u(caller_id, key, body)
            WHERE k.caller_id = u.caller_id AND k.key = u.key`,
          [
            rows.map((row) => row.caller_id),
            rows.map((row) => row.key),
            rows.map((row) =>
              cipher.encrypt(row.response_body, idempotencyResponseContext(row.caller_id, row.key)),
            ),
          ],
        );
        rows = await plaintext();
      }
    }
    await db.query(`
      ALTER TABLE idempotency_keys ADD CONSTRAINT idempotency_keys_response_encrypted
        CHECK (response_body IS NULL OR response_body LIKE 'enc:v1:%');
    `);
  }

  /**
   * Decrypting needs the key, so the stored responses are withdrawn instead (each key stays
   * used and its replay answers like an unknown record): they live 24 hours at most anyway.
   */
  async down(db: QueryRunner): Promise<void> {
    await db.query(`
      ALTER TABLE idempotency_keys DROP CONSTRAINT idempotency_keys_response_encrypted;
      UPDATE idempotency_keys
         SET response_body = NULL, response_headers = '{}'::jsonb, mentions = '{}',
             withdrawn = true
       WHERE NOT withdrawn;
      ALTER TABLE idempotency_keys ALTER COLUMN response_body TYPE jsonb
        USING response_body::jsonb;
      ALTER TABLE idempotency_keys DROP CONSTRAINT idempotency_keys_withdrawn_empty;
      ALTER TABLE idempotency_keys ADD CONSTRAINT idempotency_keys_withdrawn_empty
        CHECK (NOT withdrawn OR (response_body IS NULL AND response_headers = '{}'::jsonb));
      DROP INDEX idempotency_keys_mentions;
      ALTER TABLE idempotency_keys DROP COLUMN mentions;
    `);
  }
}
