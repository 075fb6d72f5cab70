import { Injectable } from '@nestjs/common';
import { isUUID } from 'class-validator';
import { UnitOfWork } from '../../infrastructure/database/unit-of-work';

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

interface StoredRow {
  request_hash: string;
  status_code: number;
  response_body: unknown;
  response_headers: Record<string, string>;
  withdrawn: boolean;
}

/**
 * The `idempotency_keys` table: responses stored for Idempotency-Key replays, per caller, until
 * they expire. Every method runs in the caller's transaction when there is one (UnitOfWork),
 * so a response is stored with the effect it describes, or not at all.
 */
@Injectable()
export class IdempotencyStore {
  constructor(private readonly uow: UnitOfWork) {}

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

  /** The unexpired response stored under this caller's key, if any. */
  async find(callerId: string, key: string): Promise<StoredResponse | null> {
    const [row] = await this.uow.manager.query<StoredRow[]>(
      `SELECT request_hash, status_code, response_body, response_headers, withdrawn FROM idempotency_keys
        WHERE caller_id = $1 AND key = $2 AND expires_at > now()`,
      [callerId, key],
    );
    return row
      ? {
          requestHash: row.request_hash,
          statusCode: row.status_code,
          body: row.response_body,
          headers: row.response_headers,
          withdrawn: row.withdrawn,
        }
      : null;
  }

  /** Stores a response for `retentionHours`, taking the place of an expired one under the same key. */
  async store(
    callerId: string,
    key: string,
    response: StoredResponse,
    retentionHours: number,
  ): Promise<void> {
    this.assertInTransaction('store');
    await this.uow.manager.query(
      `INSERT INTO idempotency_keys
         (caller_id, key, request_hash, status_code, response_body, response_headers, expires_at)
       VALUES ($1, $2, $3, $4, $5::jsonb, $6::jsonb, now() + make_interval(hours => $7))
       ON CONFLICT (caller_id, key) DO UPDATE SET
         request_hash = EXCLUDED.request_hash, status_code = EXCLUDED.status_code,
         response_body = EXCLUDED.response_body, response_headers = EXCLUDED.response_headers,
         withdrawn = false, created_at = now(), expires_at = EXCLUDED.expires_at
       WHERE idempotency_keys.expires_at <= now()`,
      [
        callerId,
        key,
        response.requestHash,
        response.statusCode,
        JSON.stringify(response.body ?? null),
        JSON.stringify(response.headers),
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
   * Withdraws every stored response whose body mentions this record (its id anywhere in the
   * JSON), so that no replay can bring back a record that has since been sealed. The key stays
   * used (a used key never runs twice: deleting it let a replay re-create a sealed arrest);
   * only the response goes, and a replay answers like an unknown record. Runs in the caller's
   * transaction: the record and its stored responses go together. Returns how many responses
   * were withdrawn.
   */
  async withdrawResponsesMentioning(recordId: string): Promise<number> {
    // A substring match: anything but a full id (an empty string above all) would withdraw far
    // more than asked.
    if (!isUUID(recordId)) throw new Error('withdrawResponsesMentioning needs a record id (uuid)');
    this.assertInTransaction('withdrawResponsesMentioning');
    const [{ withdrawn }] = await this.uow.manager.query<{ withdrawn: number }[]>(
      `WITH gone AS (
         UPDATE idempotency_keys
            SET response_body = NULL, response_headers = '{}'::jsonb, withdrawn = true
          WHERE NOT withdrawn AND strpos(response_body::text, $1) > 0 RETURNING 1)
       SELECT count(*)::int AS withdrawn FROM gone`,
      [recordId.toLowerCase()],
    );
    return withdrawn;
  }

  private assertInTransaction(operation: string): void {
    if (!this.uow.inTransaction) {
      throw new Error(`IdempotencyStore.${operation} must run inside UnitOfWork.run`);
    }
  }
}
