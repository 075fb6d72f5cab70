import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import type { SelectQueryBuilder } from 'typeorm';
import {
  arrestRecordVisibleTo,
  ownBookingNumberVisibleTo,
  sealedArrestRecordVisibleTo,
} from '../privacy/visibility';
import { Page, toPage } from '../common/pagination/pagination';
import { cursorTimestampSql, decodeTimeIdCursor } from '../common/pagination/time-id-cursor';
import { type Caller, isUser } from '../identity/access/caller';
import { AppConfig } from '../common/config/app-config';
import { ARREST_LOCATION, reencryptBatch } from '../infrastructure/database/encrypted-column';
import { arrestLocationContext, FieldCipher } from '../infrastructure/crypto/field-cipher';
import { UnitOfWork } from '../infrastructure/database/unit-of-work';
import { ArrestRecordEntity } from './arrest-record.entity';

/** A new record: open, with every detail (only the retention purge ever clears them). */
export type NewArrestRecord = Omit<
  ArrestRecordEntity,
  | 'id'
  | 'status'
  | 'sealedAt'
  | 'purgedAt'
  | 'createdAt'
  | 'version'
  | 'bookingNumber'
  | 'arrestedAt'
  | 'charges'
> & {
  bookingNumber: string;
  arrestedAt: Date;
  charges: NonNullable<ArrestRecordEntity['charges']>;
};

export interface ArrestRecordReadOptions {
  /**
   * The caller's stated reason (X-Access-Purpose). Only with it, and only for court and admin
   * users, does a read also reach sealed records; the caller must audit such a read.
   */
  accessPurpose?: string;
}

/** Court and admin users, with a stated purpose: the narrow path the law leaves to sealed records. */
export function mayReadSealed(caller: Caller, accessPurpose: string | undefined): boolean {
  return !!accessPurpose && isUser(caller, 'court', 'admin');
}

/**
 * The ONE way arrest records are read. Every query starts from `scoped`, which applies
 * `arrestRecordVisibleTo` (never a sealed record, only the caller's scope), so a sealed,
 * out-of-scope and unknown record are the same thing to every caller: not found. Sealed
 * records are added back only for `mayReadSealed` callers, through `sealedArrestRecordVisibleTo`.
 *
 * The location (an address, often where the exploitation happened) is stored encrypted
 * (AES-256-GCM, bound to its record: FieldCipher): sealed on write, opened on every read
 * here, so no caller sees ciphertext and none stores plaintext. Nothing searches or sorts
 * by it.
 */
@Injectable()
export class ArrestRecordsRepository {
  private readonly cipher: FieldCipher;

  constructor(
    private readonly uow: UnitOfWork,
    config: AppConfig,
  ) {
    this.cipher = config.fieldCipher;
  }

  async insert(record: NewArrestRecord): Promise<ArrestRecordEntity> {
    const repository = this.uow.manager.getRepository(ArrestRecordEntity);
    // The id is chosen here, not by the database: the location's ciphertext is bound to it.
    const id = randomUUID();
    const location =
      record.location === null
        ? null
        : this.cipher.encrypt(record.location, arrestLocationContext(id));
    await repository.insert({ ...record, id, location });
    return this.opened(await repository.findOneByOrFail({ id }));
  }

  /** A record as read, its location decrypted; a value altered or moved in the database throws. */
  private opened(record: ArrestRecordEntity): ArrestRecordEntity {
    if (record.location === null) return record;
    record.location = this.cipher.decrypt(record.location, arrestLocationContext(record.id));
    return record;
  }

  /**
   * Rewrites up to `limit` locations not under the write key (plaintext from before
   * encryption included) to be under it, locked, skipping rows another run holds; sealed
   * records too. Returns how many.
   */
  async reencryptLocationBatch(limit: number): Promise<number> {
    return reencryptBatch(this.uow.manager, ARREST_LOCATION, this.cipher, limit);
  }

  /**
   * Remembers which agencies took these records' data out of this system, so each gets a
   * sealing notice later: people of another agency than the arresting and the registering
   * one, and machine clients of any agency but the arresting one (a partner system that
   * pulled the record holds a copy, even the registering agency's own case system). The
   * system agency (admins) holds no copy. One statement for any number of records.
   */
  async recordDisclosure(
    caller: Caller,
    records: Pick<ArrestRecordEntity, 'id' | 'arrestingAgencyId' | 'ownerAgencyId'>[],
  ): Promise<void> {
    const disclosed = records
      .filter(
        (r) =>
          r.arrestingAgencyId !== caller.agencyId &&
          (caller.kind === 'client' || r.ownerAgencyId !== caller.agencyId),
      )
      .map((r) => r.id);
    if (disclosed.length === 0) return;
    await this.uow.manager.query(
      `INSERT INTO arrest_record_disclosures (arrest_record_id, agency_id)
       SELECT record_id, a.id FROM unnest($1::uuid[]) AS record_id
         JOIN agencies a ON a.id = $2 AND a.kind <> 'system'
       ON CONFLICT DO NOTHING`,
      [disclosed, caller.agencyId],
    );
  }

  async findVisible(
    caller: Caller,
    id: string,
    options: ArrestRecordReadOptions = {},
  ): Promise<ArrestRecordEntity | null> {
    const record = await this.scoped(caller, mayReadSealed(caller, options.accessPurpose))
      .andWhere('ar.id = :id', { id })
      .getOne();
    return record && this.opened(record);
  }

  /** A participant's records, oldest first. Lists never include sealed records, purpose or not. */
  async listForParticipant(
    caller: Caller,
    participantId: string,
    page: { limit: number; cursor?: string },
  ): Promise<Page<ArrestRecordEntity>> {
    const query = this.scoped(caller, false)
      .andWhere('ar.participant_id = :participantId', { participantId })
      .addSelect(cursorTimestampSql('ar.created_at'), 'cursor_at')
      .orderBy('ar.created_at', 'ASC')
      .addOrderBy('ar.id', 'ASC')
      .limit(page.limit + 1);
    if (page.cursor) {
      const { cursorAt, cursorId } = decodeTimeIdCursor(page.cursor);
      query.andWhere(
        '(ar.created_at, ar.id) > (CAST(:cursorAt AS timestamptz), CAST(:cursorId AS uuid))',
        {
          cursorAt,
          cursorId,
        },
      );
    }
    const { raw, entities } = await query.getRawAndEntities<{ cursor_at: string }>();
    // toPage encodes [timestamp text, id]: the format decodeTimeIdCursor reads back.
    return toPage(
      entities.map((entity, i) => ({ entity: this.opened(entity), cursorAt: raw[i].cursor_at })),
      page.limit,
      (row) => [row.cursorAt, row.entity.id],
      (row) => row.entity,
    );
  }

  /**
   * Seals an open record (WIC 786.5): inside the completion's transaction. The UPDATE locks
   * the row and `status = 'open'` makes sealing happen exactly once; undefined when the record
   * is not open.
   */
  async seal(
    id: string,
  ): Promise<
    { id: string; arrestingAgencyId: string; ownerAgencyId: string; sealedAt: Date } | undefined
  > {
    const [rows] = await this.uow.manager.query<
      [{ id: string; arrestingAgencyId: string; ownerAgencyId: string; sealedAt: Date }[], number]
    >(
      `UPDATE arrest_records SET status = 'sealed', sealed_at = now(), version = version + 1
        WHERE id = $1 AND status = 'open'
        RETURNING id, arresting_agency_id AS "arrestingAgencyId",
                  owner_agency_id AS "ownerAgencyId", sealed_at AS "sealedAt"`,
      [id],
    );
    return rows[0];
  }

  /**
   * Destroys a sealed record's details (WIC 826 retention): booking number, charges, location
   * and arrest time become NULL and `purged_at` is set; the row stays, for the ids that refer
   * to it. Once only: false when the record is not sealed or already purged.
   */
  async purgeDetails(id: string): Promise<boolean> {
    const [rows] = await this.uow.manager.query<[{ id: string }[], number]>(
      `UPDATE arrest_records
          SET booking_number = NULL, charges = NULL, location = NULL, arrested_at = NULL,
              purged_at = now(), version = version + 1
        WHERE id = $1 AND status = 'sealed' AND purged_at IS NULL
        RETURNING id`,
      [id],
    );
    return rows.length === 1;
  }

  /** The agencies that took a copy of the record out of this system, in the order they did. */
  /**
   * The booking numbers of those records (sealed or not) the caller's agency made, for its
   * sealing notices: `ownBookingNumberVisibleTo` decides; nothing else of the record is read.
   */
  async ownBookingNumbers(caller: Caller, ids: readonly string[]): Promise<Map<string, string>> {
    if (ids.length === 0) return new Map();
    const scope = ownBookingNumberVisibleTo(caller, 'ar');
    const rows = await this.uow.manager
      .createQueryBuilder()
      .from('arrest_records', 'ar')
      .select('ar.id', 'id')
      .addSelect('ar.booking_number', 'booking_number')
      .where('ar.id = ANY(:ids)', { ids })
      .andWhere(scope.sql, scope.params)
      .getRawMany<{ id: string; booking_number: string }>();
    return new Map(rows.map((row) => [row.id, row.booking_number]));
  }

  async disclosedTo(id: string): Promise<string[]> {
    const rows = await this.uow.manager.query<{ agency_id: string }[]>(
      `SELECT agency_id FROM arrest_record_disclosures
        WHERE arrest_record_id = $1 ORDER BY first_disclosed_at`,
      [id],
    );
    return rows.map((row) => row.agency_id);
  }

  private scoped(caller: Caller, includeSealed: boolean): SelectQueryBuilder<ArrestRecordEntity> {
    const query = this.uow.manager.getRepository(ArrestRecordEntity).createQueryBuilder('ar');
    const ordinary = arrestRecordVisibleTo(caller, 'ar');
    if (!includeSealed) return query.where(ordinary.sql, ordinary.params);
    const sealed = sealedArrestRecordVisibleTo(caller, 'ar');
    return query.where(`(${ordinary.sql} OR (ar.status = 'sealed' AND ${sealed.sql}))`, {
      ...ordinary.params,
      ...sealed.params,
    });
  }
}
