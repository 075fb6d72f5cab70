import { Injectable } from '@nestjs/common';
import { cursorTimestampSql, TimeIdKey } from '../../common/pagination/time-id-cursor';
import { UnitOfWork } from '../../infrastructure/database/unit-of-work';
import type { ChangedPrincipal } from '../users/users.repository';
import type { Scope } from '../access/roles-and-scopes';
import { ApiClientEntity } from './api-client.entity';

/** The `api_clients` table: the only code that reads or writes it. */
@Injectable()
export class ApiClientsRepository {
  constructor(private readonly uow: UnitOfWork) {}

  private get clients() {
    return this.uow.manager.getRepository(ApiClientEntity);
  }

  insert(client: {
    clientId: string;
    name: string;
    agencyId: string;
    scopes: Scope[];
    secretHash: string;
  }): Promise<ApiClientEntity> {
    return this.clients.save(this.clients.create(client));
  }

  /**
   * A client that is not revoked, with the secret hashes that are otherwise never selected:
   * the current one, and the previous one while a rotation's overlap lasts (by the
   * database's clock, like the expiry it was given).
   */
  async findActiveWithSecretHashes(clientId: string): Promise<ApiClientEntity | null> {
    const { entities, raw } = await this.clients
      .createQueryBuilder('c')
      .addSelect('c.secretHash')
      .addSelect('c.previousSecretHash')
      .addSelect('c.previous_secret_expires_at > now()', 'previous_valid')
      .where('c.clientId = :clientId AND c.revokedAt IS NULL', { clientId })
      .getRawAndEntities<{ previous_valid: boolean | null }>();
    const client = entities[0];
    if (!client) return null;
    if (raw[0].previous_valid !== true) client.previousSecretHash = null;
    return client;
  }

  findById(id: string): Promise<ApiClientEntity | null> {
    return this.clients.findOneBy({ id });
  }

  /** The row, locked until the transaction ends (call inside `UnitOfWork.run`). */
  findByIdForUpdate(id: string): Promise<ApiClientEntity | null> {
    return this.clients.findOne({ where: { id }, lock: { mode: 'pessimistic_write' } });
  }

  /** Revokes: no new token, and tokens issued before stop working (token version bumped). */
  async revoke(id: string): Promise<ApiClientEntity> {
    await this.clients
      .createQueryBuilder()
      .update()
      .set({
        revokedAt: () => 'now()',
        previousSecretHash: null,
        previousSecretExpiresAt: null,
        version: () => 'version + 1',
        tokenVersion: () => 'token_version + 1',
      })
      .where('id = :id', { id })
      .execute();
    return (await this.findById(id))!;
  }

  /**
   * A new secret; the current one becomes the previous, accepted for `overlapSeconds` more
   * (none at all with 0). A rotation during an overlap ends the older secret at once.
   */
  async rotateSecret(
    id: string,
    secretHash: string,
    overlapSeconds: number,
  ): Promise<ApiClientEntity> {
    await this.uow.manager.query(
      `UPDATE api_clients SET
         previous_secret_hash = CASE WHEN $3::int > 0 THEN secret_hash END,
         previous_secret_expires_at = CASE WHEN $3::int > 0 THEN now() + make_interval(secs => $3::int) END,
         secret_hash = $2,
         secret_rotated_at = now(),
         version = version + 1
       WHERE id = $1`,
      [id, secretHash, overlapSeconds],
    );
    return (await this.findById(id))!;
  }

  /** One page in `(created_at, id)` order, `limit + 1` rows, each with its exact cursor time. */
  async listByCreation(
    limit: number,
    after?: TimeIdKey,
  ): Promise<{ client: ApiClientEntity; cursorAt: string }[]> {
    const query = this.clients
      .createQueryBuilder('c')
      .addSelect(cursorTimestampSql('c.created_at'), 'cursor_at')
      .orderBy('c.created_at', 'ASC')
      .addOrderBy('c.id', 'ASC')
      .limit(limit + 1);
    if (after) {
      query.where('(c.created_at, c.id) > (:cursorAt::timestamptz, :cursorId::uuid)', after);
    }
    const { entities, raw } = await query.getRawAndEntities<{ cursor_at: string }>();
    return entities.map((client, index) => ({ client, cursorAt: raw[index].cursor_at }));
  }

  /** Clients whose older tokens must be refused (partial index `api_clients_changed_status`). */
  async listChangedStatuses(): Promise<ChangedPrincipal[]> {
    const rows: { id: string; token_version: number; blocked: boolean }[] =
      await this.uow.manager.query(
        `SELECT id, token_version, revoked_at IS NOT NULL AS blocked FROM api_clients
          WHERE token_version > 1 OR revoked_at IS NOT NULL`,
      );
    return rows.map((row) => ({
      id: row.id,
      tokenVersion: row.token_version,
      blocked: row.blocked,
    }));
  }
}
