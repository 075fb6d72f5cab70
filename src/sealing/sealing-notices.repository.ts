import { Injectable } from '@nestjs/common';
import type { SelectQueryBuilder } from 'typeorm';
import { TIME_ID } from '../common/pagination/keyset';
import type { Page } from '../common/pagination/pagination';
import { cursorTimestampSql, decodeTimeIdCursor } from '../common/pagination/time-id-cursor';
import type { Caller } from '../identity/access/caller';
import { UnitOfWork } from '../infrastructure/database/unit-of-work';
import { sealingNoticeVisibleTo } from '../privacy/visibility';
import type { SealingNoticeFilter, SealingNoticeRow } from './dto/sealing-notice.dto';
import { statutoryDeadlineSql } from './statutory-clocks';

/** A pending notice whose 60-day deadline has passed, just marked as reported overdue. */
export interface OverdueSealingNotice {
  id: string;
  enrollmentId: string;
  arrestRecordId: string;
  agencyId: string;
  dueAt: Date;
}

/** The only code that reads or writes `sealing_notices`; reads are scoped by the caller. */
@Injectable()
export class SealingNoticesRepository {
  constructor(private readonly uow: UnitOfWork) {}

  /**
   * One notice per copy-holding agency, in the given order, each due `periodDays` after now
   * (the statutory clock computed by the database, the clock every instance shares).
   */
  async createForHolders(
    sealing: { enrollmentId: string; arrestRecordId: string },
    agencyIds: readonly string[],
    periodDays: number,
  ): Promise<SealingNoticeRow[]> {
    if (agencyIds.length === 0) return [];
    const created = await this.uow.manager.query<{ id: string }[]>(
      `INSERT INTO sealing_notices (enrollment_id, arrest_record_id, agency_id, due_at)
       SELECT $1, $2, holder.agency_id, ${statutoryDeadlineSql('now()', '$4::int')}
         FROM unnest($3::uuid[]) WITH ORDINALITY AS holder (agency_id, position)
        ORDER BY holder.position
       RETURNING id`,
      [sealing.enrollmentId, sealing.arrestRecordId, agencyIds, periodDays],
    );
    return this.notices()
      .where('sn.id IN (:...ids)', { ids: created.map((row) => row.id) })
      .orderBy('sn.created_at', 'ASC')
      .addOrderBy('sn.id', 'ASC')
      .getRawMany<SealingNoticeRow>();
  }

  async page(
    caller: Caller,
    query: { limit: number; cursor?: string; status?: SealingNoticeFilter },
  ): Promise<Page<SealingNoticeRow>> {
    const scope = sealingNoticeVisibleTo(caller, 'sn');
    const qb = this.notices()
      .addSelect(cursorTimestampSql('sn.created_at'), 'cursor_at')
      .where(scope.sql, scope.params)
      .orderBy('sn.created_at', 'ASC')
      .addOrderBy('sn.id', 'ASC')
      .limit(query.limit + 1);
    if (query.status === 'overdue') {
      qb.andWhere(`sn.status = 'pending' AND now() > sn.due_at`);
    } else if (query.status) {
      qb.andWhere('sn.status = :status', { status: query.status });
    }
    if (query.cursor) {
      qb.andWhere(
        '(sn.created_at, sn.id) > (:cursorAt::timestamptz, :cursorId::uuid)',
        decodeTimeIdCursor(query.cursor),
      );
    }
    const rows = await qb.getRawMany<SealingNoticeRow & { cursor_at: string }>();
    return TIME_ID.page(
      rows,
      query.limit,
      (row) => [row.cursor_at, row.id],
      (row) => row,
    );
  }

  /** A notice the caller may see, locked until the transaction ends. */
  async lockVisible(caller: Caller, id: string): Promise<SealingNoticeRow | undefined> {
    const scope = sealingNoticeVisibleTo(caller, 'sn');
    return this.notices()
      .where('sn.id = :id', { id })
      .andWhere(scope.sql, scope.params)
      .setLock('pessimistic_write')
      .getRawOne<SealingNoticeRow>();
  }

  async acknowledge(
    id: string,
    acknowledgedBy: string,
    reference: string | null,
  ): Promise<SealingNoticeRow> {
    await this.uow.manager.query(
      `UPDATE sealing_notices
          SET status = 'acknowledged', acknowledged_at = now(), acknowledged_by = $2, reference = $3,
              version = version + 1
        WHERE id = $1`,
      [id, acknowledgedBy, reference],
    );
    const updated = await this.notices().where('sn.id = :id', { id }).getRawOne<SealingNoticeRow>();
    return updated!;
  }

  /** Every notice of an enrollment (the caller reached the enrollment through a scoped read). */
  async ofEnrollment(enrollmentId: string): Promise<SealingNoticeRow[]> {
    return this.notices()
      .where('sn.enrollment_id = :enrollmentId', { enrollmentId })
      .orderBy('sn.created_at', 'ASC')
      .addOrderBy('sn.id', 'ASC')
      .getRawMany<SealingNoticeRow>();
  }

  /**
   * Marks up to `limit` pending notices past their due date as reported overdue, each once
   * (`overdue_reported_at`), and returns them. Rows another transaction is marking are
   * skipped, not waited for, so instances running this at once never report one twice.
   */
  async markOverdueOnce(limit: number): Promise<OverdueSealingNotice[]> {
    return this.uow.manager.query<OverdueSealingNotice[]>(
      // A CTE so the driver returns plain rows (a bare UPDATE ... RETURNING comes back as [rows, count]).
      `WITH reported AS (
         UPDATE sealing_notices SET overdue_reported_at = now(), version = version + 1
          WHERE id IN (SELECT id FROM sealing_notices
                        WHERE status = 'pending' AND due_at < now() AND overdue_reported_at IS NULL
                        ORDER BY due_at LIMIT $1 FOR UPDATE SKIP LOCKED)
          RETURNING id, enrollment_id, arrest_record_id, agency_id, due_at)
       SELECT id, enrollment_id AS "enrollmentId", arrest_record_id AS "arrestRecordId",
              agency_id AS "agencyId", due_at AS "dueAt"
         FROM reported`,
      [limit],
    );
  }

  /** Pending notices past their due date, over all agencies (an operator's gauge). */
  async overdueCount(): Promise<number> {
    const [row] = await this.uow.manager.query<{ n: number }[]>(
      `SELECT count(*)::int AS n FROM sealing_notices WHERE status = 'pending' AND now() > due_at`,
    );
    return row.n;
  }

  /** The one shape notices are read in; `overdue` uses the database clock. */
  private notices(): SelectQueryBuilder<Record<string, unknown>> {
    return this.uow.manager
      .createQueryBuilder()
      .from('sealing_notices', 'sn')
      .select('sn.id', 'id')
      .addSelect('sn.agency_id', 'agency_id')
      .addSelect('sn.enrollment_id', 'enrollment_id')
      .addSelect('sn.arrest_record_id', 'arrest_record_id')
      .addSelect('sn.status', 'status')
      .addSelect('sn.created_at', 'created_at')
      .addSelect('sn.due_at', 'due_at')
      .addSelect('sn.acknowledged_at', 'acknowledged_at')
      .addSelect('sn.reference', 'reference')
      .addSelect('sn.version', 'version')
      .addSelect(`(sn.status = 'pending' AND now() > sn.due_at)`, 'overdue');
  }
}
