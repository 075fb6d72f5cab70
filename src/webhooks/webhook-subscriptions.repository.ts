import { Injectable } from '@nestjs/common';
import { keysetTimestampSql } from '../common/pagination/keyset';
import type { Caller } from '../identity/access/caller';
import { UnitOfWork } from '../infrastructure/database/unit-of-work';
import type { SubscriptionInterest } from './domain/subscription-matching';

export interface SubscriptionRow {
  id: string;
  url: string;
  events: string[];
  created_at: Date;
  /** `created_at` as Keyset cursor text (microseconds, UTC). */
  cursor_at: string;
}

export interface NewSubscription {
  url: string;
  events: readonly string[];
  secretCiphertext: string;
}

/**
 * The `webhook_subscriptions` table. Every read and change for a caller is scoped to the
 * caller's agency in SQL: another agency's subscription is simply not found.
 */
@Injectable()
export class WebhookSubscriptionsRepository {
  constructor(private readonly uow: UnitOfWork) {}

  async insert(caller: Caller, subscription: NewSubscription): Promise<SubscriptionRow> {
    const [row] = await this.uow.manager.query<SubscriptionRow[]>(
      `INSERT INTO webhook_subscriptions (agency_id, url, events, secret_ciphertext, created_by)
       VALUES ($1, $2, $3, $4, $5)
       RETURNING id, url, events, created_at, ${keysetTimestampSql('created_at')} AS cursor_at`,
      [
        caller.agencyId,
        subscription.url,
        subscription.events,
        subscription.secretCiphertext,
        caller.id,
      ],
    );
    return row;
  }

  /** The caller's agency's subscriptions after the key `[createdAt, id]`, oldest first: `limit` rows. */
  async page(
    caller: Caller,
    after: readonly string[] | undefined,
    limit: number,
  ): Promise<SubscriptionRow[]> {
    return this.uow.manager.query<SubscriptionRow[]>(
      `SELECT id, url, events, created_at, ${keysetTimestampSql('created_at')} AS cursor_at
         FROM webhook_subscriptions
        WHERE agency_id = $1 AND deleted_at IS NULL
          AND ($2::timestamptz IS NULL OR (created_at, id) > ($2::timestamptz, $3::uuid))
        ORDER BY created_at, id LIMIT $4`,
      [caller.agencyId, after?.[0] ?? null, after?.[1] ?? null, limit],
    );
  }

  /** Deletes (softly: deliveries keep their history) one of the caller's agency's subscriptions. */
  /**
   * Every subscription's encrypted signing secret (deleted ones included: a key rotation
   * re-encrypts them all), locked until the transaction ends.
   */
  async lockAllSecrets(): Promise<{ id: string; secretCiphertext: string }[]> {
    return this.uow.manager.query(
      `SELECT id, secret_ciphertext AS "secretCiphertext" FROM webhook_subscriptions
        ORDER BY id FOR UPDATE`,
    );
  }

  async replaceSecretCiphertext(id: string, secretCiphertext: string): Promise<void> {
    await this.uow.manager.query(
      `UPDATE webhook_subscriptions SET secret_ciphertext = $2 WHERE id = $1`,
      [id, secretCiphertext],
    );
  }

  async softDelete(caller: Caller, id: string): Promise<boolean> {
    const rows = await this.uow.manager.query<{ id: string }[]>(
      `WITH removed AS (
         UPDATE webhook_subscriptions SET deleted_at = now()
          WHERE id = $1 AND agency_id = $2 AND deleted_at IS NULL RETURNING id)
       SELECT id FROM removed`,
      [id, caller.agencyId],
    );
    return rows.length > 0;
  }

  async isActiveAndOwned(caller: Caller, id: string): Promise<boolean> {
    const rows = await this.uow.manager.query<unknown[]>(
      `SELECT 1 FROM webhook_subscriptions WHERE id = $1 AND agency_id = $2 AND deleted_at IS NULL`,
      [id, caller.agencyId],
    );
    return rows.length > 0;
  }

  /**
   * Rotates the signing secret of one of the caller's agency's live subscriptions: the
   * current secret becomes the previous one for `overlapSeconds` (0: dropped at once), the new
   * one signs from now on. Undefined when there is no such subscription.
   */
  async rotateSecret(
    caller: Caller,
    id: string,
    secretCiphertext: string,
    overlapSeconds: number,
  ): Promise<
    (SubscriptionRow & { version: number; previous_secret_expires_at: Date | null }) | undefined
  > {
    const [row] = await this.uow.manager.query<
      (SubscriptionRow & { version: number; previous_secret_expires_at: Date | null })[]
    >(
      `WITH rotated AS (
         UPDATE webhook_subscriptions
            SET previous_secret_ciphertext = CASE WHEN $4::integer > 0 THEN secret_ciphertext END,
                previous_secret_expires_at =
                  CASE WHEN $4::integer > 0 THEN now() + make_interval(secs => $4::integer) END,
                secret_ciphertext = $3, secret_rotated_at = now(), version = version + 1
          WHERE id = $1 AND agency_id = $2 AND deleted_at IS NULL
         RETURNING id, url, events, created_at, version, previous_secret_expires_at)
       SELECT *, ${keysetTimestampSql('created_at')} AS cursor_at FROM rotated`,
      [id, caller.agencyId, secretCiphertext, overlapSeconds],
    );
    return row;
  }

  /** The version (ETag) of one of the caller's agency's live subscriptions, locked. */
  async lockVersion(caller: Caller, id: string): Promise<number | undefined> {
    const [row] = await this.uow.manager.query<{ version: number }[]>(
      `SELECT version FROM webhook_subscriptions
        WHERE id = $1 AND agency_id = $2 AND deleted_at IS NULL FOR UPDATE`,
      [id, caller.agencyId],
    );
    return row?.version;
  }

  /** Every live subscription and what it asked for: what the dispatcher matches events against. */
  async activeInterests(): Promise<SubscriptionInterest[]> {
    return this.uow.manager.query<SubscriptionInterest[]>(
      `SELECT id, agency_id AS "agencyId", events FROM webhook_subscriptions
        WHERE deleted_at IS NULL ORDER BY created_at, id`,
    );
  }
}
