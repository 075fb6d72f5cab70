import { Injectable, Logger } from '@nestjs/common';
import { isUUID } from 'class-validator';
import { FieldCipher, idempotencyResponseContext } from '../../infrastructure/crypto/field-cipher';
import { UnitOfWork } from '../../infrastructure/database/unit-of-work';
import { AppConfig } from '../config/app-config';
import { mentionedIds } from './mentioned-ids';

/** A response kept for replay under (caller, Idempotency-Key). */
export interface StoredResponse {
  /** Keyed fingerprint of method, path and body (request-fingerprint.ts). */
  requestHash: string;
  statusCode: number;
  body: unknown;
  /** The few headers a replay repeats (ETag, Location). */
  headers: Record<string, string>;
  /**
   * The response mentioned a record sealed since: nothing of it is kept, and a replay answers
   * like an unknown record (the key is still used: it never runs again).
   */
  withdrawn?: boolean;
}

/** A stored response as the re-encryption reads it: its row and its ciphertext. */
export interface EncryptedResponse {
  callerId: string;
  key: string;
  body: string;
}

interface StoredRow {
  request_hash: string;
  status_code: number;
  /** `enc:v1:...` (FieldCipher) of the JSON text; NULL once withdrawn. */
  response_body: string | null;
  response_headers: Record<string, string>;
  withdrawn: boolean;
}

/**
 * The `idempotency_keys` table: responses stored for Idempotency-Key replays, per caller, until
 * they expire. Every method runs in the caller's transaction when there is one (UnitOfWork),
 * so a response is stored with the effect it describes, or not at all.
 *
 * A stored body holds what the request answered (notes with a shelter placement, minors'
 * names, dates of birth, arrest details), so it is encrypted like session notes (FieldCipher,
 * AES-256-GCM, the key id in the value) and bound to its (caller, key) row: a dump, a replica
 * or a backup holds none of it, and a ciphertext copied onto another row does not open. What a
 * sealing needs to find is kept beside it in clear: `mentions`, the ids the response names.
 */
@Injectable()
export class IdempotencyStore {
  private readonly logger = new Logger(IdempotencyStore.name);
  private readonly cipher: FieldCipher;

  constructor(
    private readonly uow: UnitOfWork,
    config: AppConfig,
  ) {
    this.cipher = config.fieldCipher;
  }

  /**
   * Takes the key for the rest of the current transaction; false when another transaction
   * holds it (the same request still in flight).
   */
  async tryLock(callerId: string, key: string): Promise<boolean> {
    this.assertInTransaction('tryLock');
    const [{ locked }] = await this.uow.manager.query<{ locked: boolean }[]>(
      `SELECT pg_try_advisory_xact_lock(hashtextextended($1, 0)) AS locked`,
      [`idempotency:${callerId}:${key}`],
    );
    return locked;
  }

  /**
   * The unexpired response stored under this caller's key, if any. A body that does not open
   * (altered, copied from another row, or under a key no longer configured) is answered as
   * withdrawn: the key stays used (running it again would repeat the effect) and its replay
   * answers like an unknown record, never a 500 the client would retry forever.
   */
  async find(callerId: string, key: string): Promise<StoredResponse | null> {
    const [row] = await this.uow.manager.query<StoredRow[]>(
      `SELECT request_hash, status_code, response_body, response_headers, withdrawn FROM idempotency_keys
        WHERE caller_id = $1 AND key = $2 AND expires_at > now()`,
      [callerId, key],
    );
    if (!row) return null;
    const stored = { requestHash: row.request_hash, statusCode: row.status_code };
    if (row.withdrawn || row.response_body === null) {
      return { ...stored, body: null, headers: {}, withdrawn: true };
    }
    try {
      const json = this.cipher.decrypt(
        row.response_body,
        idempotencyResponseContext(callerId, key),
      );
      return { ...stored, body: JSON.parse(json), headers: row.response_headers, withdrawn: false };
    } catch {
      // No caller, key or value in the log: the count of such answers is what matters.
      this.logger.warn('a stored Idempotency-Key response did not decrypt; answered as withdrawn');
      return { ...stored, body: null, headers: {}, withdrawn: true };
    }
  }

  /** Stores a response for `retentionHours`, taking the place of an expired one under the same key. */
  async store(
    callerId: string,
    key: string,
    response: StoredResponse,
    retentionHours: number,
  ): Promise<void> {
    this.assertInTransaction('store');
    const body = response.body ?? null;
    // The JSON text is what is encrypted and what a replay parses back: the same bytes out.
    const sealed = this.cipher.encrypt(
      JSON.stringify(body),
      idempotencyResponseContext(callerId, key),
    );
    await this.uow.manager.query(
      `INSERT INTO idempotency_keys
         (caller_id, key, request_hash, status_code, response_body, response_headers, mentions,
          expires_at)
       VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7::uuid[], now() + make_interval(hours => $8))
       ON CONFLICT (caller_id, key) DO UPDATE SET
         request_hash = EXCLUDED.request_hash, status_code = EXCLUDED.status_code,
         response_body = EXCLUDED.response_body, response_headers = EXCLUDED.response_headers,
         mentions = EXCLUDED.mentions, withdrawn = false, created_at = now(),
         expires_at = EXCLUDED.expires_at
       WHERE idempotency_keys.expires_at <= now()`,
      [
        callerId,
        key,
        response.requestHash,
        response.statusCode,
        sealed,
        JSON.stringify(response.headers),
        mentionedIds(body, response.headers),
        retentionHours,
      ],
    );
  }

  /**
   * Deletes up to `limit` expired responses and says how many; rows another instance is
   * deleting are skipped, not waited for.
   */
  async deleteExpired(limit: number): Promise<number> {
    const [{ deleted }] = await this.uow.manager.query<{ deleted: number }[]>(
      `WITH expired AS (
         SELECT caller_id, key FROM idempotency_keys WHERE expires_at <= now()
          LIMIT $1 FOR UPDATE SKIP LOCKED),
       gone AS (
         DELETE FROM idempotency_keys k USING expired
          WHERE k.caller_id = expired.caller_id AND k.key = expired.key RETURNING 1)
       SELECT count(*)::int AS deleted FROM gone`,
      [limit],
    );
    return deleted;
  }

  /**
   * Withdraws every stored response that mentions this record (its id anywhere in the JSON or
   * the Location header, as recorded in `mentions` at store time: the body itself is
   * ciphertext), so that no replay can bring back a record that has since been sealed. The key
   * stays used (a used key never runs twice: deleting it let a replay re-create a sealed
   * arrest); only the response goes, its mentions too, and a replay answers like an unknown
   * record. One GIN index lookup, not a scan. Runs in the caller's transaction: the record and
   * its stored responses go together. Returns how many responses were withdrawn.
   */
  async withdrawResponsesMentioning(recordId: string): Promise<number> {
    if (!isUUID(recordId)) throw new Error('withdrawResponsesMentioning needs a record id (uuid)');
    this.assertInTransaction('withdrawResponsesMentioning');
    const [{ withdrawn }] = await this.uow.manager.query<{ withdrawn: number }[]>(
      `WITH gone AS (
         UPDATE idempotency_keys
            SET response_body = NULL, response_headers = '{}'::jsonb, mentions = '{}',
                withdrawn = true
          WHERE NOT withdrawn AND mentions @> ARRAY[$1::uuid] RETURNING 1)
       SELECT count(*)::int AS withdrawn FROM gone`,
      [recordId.toLowerCase()],
    );
    return withdrawn;
  }

  /**
   * Up to `limit` stored responses not under the write key, locked, skipping rows another run
   * holds (key rotation: StoredResponsesEncryption).
   */
  async responsesToReencrypt(limit: number): Promise<EncryptedResponse[]> {
    this.assertInTransaction('responsesToReencrypt');
    // split_part, not LIKE: a key id may hold `_`, a LIKE wildcard.
    return this.uow.manager.query<EncryptedResponse[]>(
      `SELECT caller_id AS "callerId", key, response_body AS body FROM idempotency_keys
        WHERE response_body IS NOT NULL AND split_part(response_body, ':', 3) <> $1
        ORDER BY caller_id, key LIMIT $2 FOR UPDATE SKIP LOCKED`,
      [this.cipher.writeKeyId, limit],
    );
  }

  /**
   * Rewrites these responses under the write key, their content unchanged. One that does not
   * open although its key is configured (altered, or copied from another row) is withdrawn:
   * it already answers so (find). One under a key not configured throws, nothing of the batch
   * changed: the operator removed a key still in use.
   */
  async reencryptResponses(
    rows: readonly EncryptedResponse[],
  ): Promise<{ reencrypted: number; withdrawn: number }> {
    this.assertInTransaction('reencryptResponses');
    const rewritten: { callerId: string; key: string; body: string }[] = [];
    const unreadable: EncryptedResponse[] = [];
    for (const row of rows) {
      if (!this.cipher.canOpen(row.body)) {
        throw new Error(
          `a stored response is under field key ${FieldCipher.keyIdOf(row.body) ?? '(none)'}, ` +
            'which is not configured: list it in FIELD_ENCRYPTION_KEYS until rotation is done',
        );
      }
      try {
        const context = idempotencyResponseContext(row.callerId, row.key);
        rewritten.push({ ...row, body: this.cipher.reencrypt(row.body, context) });
      } catch {
        unreadable.push(row);
      }
    }
    if (rewritten.length > 0) {
      await this.uow.manager.query(
        `UPDATE idempotency_keys k SET response_body = u.body
           FROM unnest($1::uuid[], $2::text[], $3::text[]) AS u(caller_id, key, body)
          WHERE k.caller_id = u.caller_id AND k.key = u.key`,
        [
          rewritten.map((row) => row.callerId),
          rewritten.map((row) => row.key),
          rewritten.map((row) => row.body),
        ],
      );
    }
    if (unreadable.length > 0) {
      await this.uow.manager.query(
        `UPDATE idempotency_keys k
            SET response_body = NULL, response_headers = '{}'::jsonb, mentions = '{}',
                withdrawn = true
           FROM unnest($1::uuid[], $2::text[]) AS u(caller_id, key)
          WHERE k.caller_id = u.caller_id AND k.key = u.key`,
        [unreadable.map((row) => row.callerId), unreadable.map((row) => row.key)],
      );
    }
    return { reencrypted: rewritten.length, withdrawn: unreadable.length };
  }

  private assertInTransaction(operation: string): void {
    if (!this.uow.inTransaction) {
      throw new Error(`IdempotencyStore.${operation} must run inside UnitOfWork.run`);
    }
  }
}
