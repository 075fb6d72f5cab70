import { Logger } from '@nestjs/common';
import type { UnitOfWork } from './unit-of-work';
import { arrestLocationContext, attendanceNotesContext, FieldCipher } from '../crypto/field-cipher';

const REENCRYPT_BATCH = 500;

/** A text column stored encrypted by FieldCipher, each value bound to its row (`context`). */
export interface EncryptedColumn {
  readonly table: string;
  readonly column: string;
  readonly context: (id: string) => string;
}

export const SESSION_NOTES: EncryptedColumn = {
  table: 'attendance_records',
  column: 'notes',
  context: attendanceNotesContext,
};

export const ARREST_LOCATION: EncryptedColumn = {
  table: 'arrest_records',
  column: 'location',
  context: arrestLocationContext,
};

/** What both a transaction's EntityManager and a migration's QueryRunner offer. */
interface Sql {
  query(sql: string, parameters?: unknown[]): Promise<unknown>;
}

/** LIKE treats `_` (allowed in key ids) as a wildcard: escape it, so key `a_b` is not `axb`. */
const likeLiteral = (text: string) => text.replace(/[\\%_]/g, (c) => `\\${c}`);

/**
 * Rewrites up to `limit` values of `column` that are not under the cipher's write key
 * (plaintext from before encryption included) to be under it, content unchanged; returns
 * how many. The rows are locked for the caller's transaction, skipping rows another run
 * holds. `cipher` may be a function, called only when there is something to rewrite (a
 * migration then reads no key on a database with nothing to convert); `plaintextOnly`
 * leaves values under any key alone (the migration that converts plaintext). Table and
 * column names come from the constants above, never from input. Call it from the
 * repository owning the table, or from a migration.
 */
export async function reencryptBatch(
  db: Sql,
  { table, column, context }: EncryptedColumn,
  cipher: FieldCipher | (() => FieldCipher),
  limit: number,
  plaintextOnly = false,
): Promise<number> {
  const keyOf = () => (typeof cipher === 'function' ? cipher() : cipher);
  const current = plaintextOnly ? 'enc:v1:%' : `enc:v1:${likeLiteral(keyOf().writeKeyId)}:%`;
  const rows = (await db.query(
    `SELECT id, ${column} AS value FROM ${table}
      WHERE ${column} IS NOT NULL AND ${column} NOT LIKE $1
      ORDER BY id LIMIT $2 FOR UPDATE SKIP LOCKED`,
    [current, limit],
  )) as { id: string; value: string }[];
  if (rows.length === 0) return 0;
  const writer = keyOf();
  await db.query(
    `UPDATE ${table} t SET ${column} = u.value
       FROM unnest($1::uuid[], $2::text[]) AS u(id, value) WHERE t.id = u.id`,
    [rows.map((row) => row.id), rows.map((row) => writer.reencrypt(row.value, context(row.id)))],
  );
  return rows.length;
}

/**
 * For migrations: encrypts every plaintext value of `column` with the key the service uses
 * (FIELD_ENCRYPTION_KEYS / FIELD_ENCRYPTION_KEY_ID, else the key generated in DATA_DIR/keys),
 * read from the environment only when a plaintext value exists. In the migration's
 * transaction, batch after batch until none is left.
 */
export async function encryptPlaintext(db: Sql, column: EncryptedColumn): Promise<void> {
  let cipher: FieldCipher | undefined;
  const fromEnvironment = () =>
    (cipher ??= FieldCipher.fromSettings({
      FIELD_ENCRYPTION_KEYS: process.env.FIELD_ENCRYPTION_KEYS,
      FIELD_ENCRYPTION_KEY_ID: process.env.FIELD_ENCRYPTION_KEY_ID,
      DATA_DIR: process.env.DATA_DIR ?? './data',
    }).cipher);
  while ((await reencryptBatch(db, column, fromEnvironment, REENCRYPT_BATCH, true)) > 0) {
    // Each batch rewrites the plaintext it found; the next one looks for what is left.
  }
}

/**
 * Key rotation of one encrypted column: add the new key to FIELD_ENCRYPTION_KEYS and make it
 * the write key (the old one stays listed, so values are readable throughout), run
 * `reencryptAll()` (the admin CLI's `rotate-keys` does, for every such column), then drop the
 * old key from the list. Plaintext left from before encryption is encrypted too. Batches of
 * 500 rows (`batch`: the owning repository's reencryptBatch), each its own transaction with
 * its rows locked (SKIP LOCKED): safe while the service serves and on several instances at
 * once. Logs counts only, never a value or a key.
 */
export abstract class ColumnReencryption {
  private readonly logger = new Logger(this.constructor.name);

  protected constructor(
    private readonly uow: UnitOfWork,
    private readonly label: string,
  ) {}

  /** Up to `limit` values rewritten under the write key, in the caller's transaction. */
  protected abstract batch(limit: number): Promise<number>;

  /** Rewrites every value not under the write key; returns how many were rewritten. */
  async reencryptAll(): Promise<{ reencrypted: number }> {
    let reencrypted = 0;
    for (;;) {
      const done = await this.uow.run(() => this.batch(REENCRYPT_BATCH));
      reencrypted += done;
      if (done < REENCRYPT_BATCH) break;
    }
    this.logger.log(`${this.label} re-encrypted under the write key: ${reencrypted}`);
    return { reencrypted };
  }
}
