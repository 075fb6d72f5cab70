import { Injectable } from '@nestjs/common';
import type { SelectQueryBuilder } from 'typeorm';
import {
  participantSearchBranches,
  participantVisibleTo,
  participantWritableBy,
} from '../privacy/visibility';
import { Page, toPage } from '../common/pagination/pagination';
import { cursorTimestampSql, decodeTimeIdCursor } from '../common/pagination/time-id-cursor';
import type { Caller } from '../identity/access/caller';
import { UnitOfWork } from '../infrastructure/database/unit-of-work';
import { prefixPattern, searchKey } from './domain/search-key';
import { ParticipantEntity } from './participant.entity';

export interface ParticipantSearch {
  /** Name prefix or exact case number; blank means everything in scope. */
  text?: string;
  /** Match the case number only (callers that may not probe names). */
  caseNumberOnly?: boolean;
  limit: number;
  cursor?: string;
}

export type NewParticipant = Omit<
  ParticipantEntity,
  'id' | 'caseNumber' | 'createdAt' | 'updatedAt' | 'version'
>;

/** The fields a correction may change (the case number never changes). */
export type ParticipantCorrection = Pick<
  ParticipantEntity,
  | 'firstName'
  | 'lastName'
  | 'firstNameKey'
  | 'lastNameKey'
  | 'dateOfBirth'
  | 'gender'
  | 'preferredLanguage'
  | 'guardian'
>;

/**
 * Every read of participants goes through here, scoped by `participantVisibleTo`: a
 * participant outside the caller's scope is simply not found. Runs on the current unit of
 * work (the open transaction, if any).
 */
@Injectable()
export class ParticipantsRepository {
  constructor(private readonly uow: UnitOfWork) {}

  /** Inserts and reads back the row, with the case number the database sequence assigned. */
  async insert(participant: NewParticipant): Promise<ParticipantEntity> {
    const repository = this.uow.manager.getRepository(ParticipantEntity);
    const result = await repository.insert(participant);
    const id = (result.identifiers[0] as { id: string }).id;
    return repository.findOneByOrFail({ id });
  }

  async findVisible(caller: Caller, id: string): Promise<ParticipantEntity | null> {
    return this.scoped(caller).andWhere('p.id = :id', { id }).getOne();
  }

  /**
   * A participant the caller may correct, locked FOR UPDATE: an admin any, a coordinator
   * those its agency registered (participantWritableBy). Others: not found.
   */
  async lockWritable(caller: Caller, id: string): Promise<ParticipantEntity | null> {
    if (!this.uow.inTransaction) throw new Error('lockWritable must run inside UnitOfWork.run');
    const scope = participantWritableBy(caller, 'p');
    return this.uow.manager
      .getRepository(ParticipantEntity)
      .createQueryBuilder('p')
      .where(scope.sql, scope.params)
      .andWhere('p.id = :id', { id })
      .setLock('pessimistic_write')
      .getOne();
  }

  /** Applies a correction and logs which fields changed and why; the version moves. */
  async correct(
    id: string,
    changes: ParticipantCorrection,
    log: { fields: string[]; reason: string | null; correctedBy: string },
  ): Promise<ParticipantEntity> {
    const repository = this.uow.manager.getRepository(ParticipantEntity);
    await this.uow.manager.query(
      `UPDATE participants
          SET first_name = $2, last_name = $3, first_name_key = $4, last_name_key = $5,
              date_of_birth = $6, gender = $7, preferred_language = $8, guardian = $9::jsonb,
              version = version + 1, updated_at = now()
        WHERE id = $1`,
      [
        id,
        changes.firstName,
        changes.lastName,
        changes.firstNameKey,
        changes.lastNameKey,
        changes.dateOfBirth,
        changes.gender,
        changes.preferredLanguage,
        changes.guardian === null ? null : JSON.stringify(changes.guardian),
      ],
    );
    await this.uow.manager.query(
      `INSERT INTO participant_corrections (participant_id, fields, reason, corrected_by)
       VALUES ($1, $2::text[], $3, $4)`,
      [id, log.fields, log.reason, log.correctedBy],
    );
    return repository.findOneByOrFail({ id });
  }

  /**
   * Participants the caller's own agency registered with the same name and date of birth:
   * a possible duplicate to warn about. Never another agency's (that would disclose that
   * another agency holds a record of this minor).
   */
  async sameIdentityInAgency(
    agencyId: string,
    identity: { firstNameKey: string; lastNameKey: string; dateOfBirth: string },
    exceptId: string,
  ): Promise<{ id: string; caseNumber: string }[]> {
    return this.uow.manager.query(
      `SELECT id, case_number AS "caseNumber" FROM participants
        WHERE owner_agency_id = $1 AND first_name_key = $2 AND last_name_key = $3
          AND date_of_birth = $4 AND id <> $5
        ORDER BY created_at, id LIMIT 10`,
      [agencyId, identity.firstNameKey, identity.lastNameKey, identity.dateOfBirth, exceptId],
    );
  }

  /** Case numbers of these participants (ids the caller reached through a scoped read). */
  async caseNumbersOf(ids: readonly string[]): Promise<Map<string, string>> {
    if (ids.length === 0) return new Map();
    const rows = await this.uow.manager.query<{ id: string; case_number: string }[]>(
      `SELECT id, case_number FROM participants WHERE id = ANY($1::uuid[])`,
      [ids],
    );
    return new Map(rows.map((row) => [row.id, row.case_number]));
  }

  /**
   * Case-insensitive, accent-insensitive name prefix or exact case number, keyset-paginated.
   * Where the caller's scope comes as branches (privacy/visibility.ts
   * `participantSearchBranches`), each branch is its own indexed query with the match, the
   * cursor, the order and the limit inside it, and the page is the first rows of their union:
   * a coordinator's own matches never read another agency's rows.
   */
  async search(caller: Caller, search: ParticipantSearch): Promise<Page<ParticipantEntity>> {
    const conditions: string[] = [];
    const params: Record<string, unknown> = { pageLimit: search.limit + 1 };
    const text = search.text?.trim() ?? '';
    if (text !== '') {
      params.caseNumber = text.toUpperCase();
      // Case numbers are stored upper case: compared as stored, the unique index serves it.
      const caseNumber = '{p}.case_number = :caseNumber';
      if (search.caseNumberOnly || searchKey(text) === '') {
        conditions.push(caseNumber);
      } else {
        params.namePrefix = prefixPattern(text);
        conditions.push(
          `({p}.first_name_key LIKE :namePrefix ESCAPE '\\' OR {p}.last_name_key LIKE :namePrefix ESCAPE '\\'
            OR ({p}.first_name_key || ' ' || {p}.last_name_key) LIKE :namePrefix ESCAPE '\\'
            OR ${caseNumber})`,
        );
      }
    }
    if (search.cursor) {
      Object.assign(params, decodeTimeIdCursor(search.cursor));
      conditions.push(
        '({p}.created_at, {p}.id) > (CAST(:cursorAt AS timestamptz), CAST(:cursorId AS uuid))',
      );
    }
    const on = (alias: string) => conditions.map((c) => c.replace(/\{p\}/g, alias));

    const branches = participantSearchBranches(caller, 'sp');
    const query = branches
      ? this.uow.manager
          .getRepository(ParticipantEntity)
          .createQueryBuilder('p')
          .where(
            `p.id IN (${branches
              .map(
                (branch) =>
                  `(SELECT sp.id FROM participants sp WHERE ${[branch.sql, ...on('sp')].join(' AND ')}
                     ORDER BY sp.created_at, sp.id LIMIT :pageLimit)`,
              )
              .join(' UNION ALL ')})`,
            { ...branches[0].params, ...params },
          )
      : this.scoped(caller);
    if (!branches) {
      for (const condition of on('p')) query.andWhere(condition, params);
    }
    query
      .addSelect(cursorTimestampSql('p.created_at'), 'cursor_at')
      .orderBy('p.created_at', 'ASC')
      .addOrderBy('p.id', 'ASC')
      .limit(search.limit + 1);
    const { raw, entities } = await query.getRawAndEntities<{ cursor_at: string }>();
    // toPage encodes [timestamp text, id]: the format decodeTimeIdCursor reads back.
    return toPage(
      entities.map((entity, i) => ({ entity, cursorAt: raw[i].cursor_at })),
      search.limit,
      (row) => [row.cursorAt, row.entity.id],
      (row) => row.entity,
    );
  }

  private scoped(caller: Caller): SelectQueryBuilder<ParticipantEntity> {
    const scope = participantVisibleTo(caller, 'p');
    return this.uow.manager
      .getRepository(ParticipantEntity)
      .createQueryBuilder('p')
      .where(scope.sql, scope.params);
  }
}
