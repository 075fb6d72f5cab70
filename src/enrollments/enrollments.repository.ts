import { Injectable } from '@nestjs/common';
import { NotFoundError } from '../common/errors/domain-error';
import { cursorTimestampSql, decodeTimeIdCursor } from '../common/pagination/time-id-cursor';
import { isUser, type Caller } from '../identity/access/caller';
import { UnitOfWork } from '../infrastructure/database/unit-of-work';
import { enrollmentVisibleTo, milestoneDetailsVisibleTo } from '../privacy/visibility';
import type { EnrollmentStatus } from './domain/enrollment-status';
import { ENDING_SOON_DEFAULT_DAYS, STALLED_AFTER_DAYS, type WorkList } from './domain/work-lists';
import type { ListEnrollmentsQueryDto } from './dto/enrollment.dto';
import { EnrollmentEntity, EnrollmentExtensionEntity } from './enrollment.entity';

export type NewEnrollment = Pick<
  EnrollmentEntity,
  | 'programId'
  | 'participantId'
  | 'participantOwnerAgencyId'
  | 'arrestRecordId'
  | 'ownerAgencyId'
  | 'site'
  | 'status'
  | 'startDate'
  | 'scheduledEndDate'
  | 'lengthDays'
  | 'guardianConsentRequired'
  | 'createdBy'
  | 'assignedCoordinatorId'
>;

export type NewExtension = Pick<
  EnrollmentExtensionEntity,
  'enrollmentId' | 'days' | 'reason' | 'grantedBy'
>;

/** What sealing reads and writes of an enrollment: its completion and the minor's notice. */
export interface EnrollmentSealingRow {
  id: string;
  status: EnrollmentStatus;
  completed_at: Date | null;
  minor_notified_at: Date | null;
  minor_notification_method: string | null;
}

/** An enrollment waiting for the court, with its queue key. */
export interface PendingReviewRow {
  id: string;
  participantId: string;
  site: string;
  startDate: string;
  scheduledEndDate: string;
  submittedForReviewAt: Date;
  cursorAt: string;
}

/** `manager.query` answers an UPDATE with `[rows, count]`. */
type UpdateResult<T> = [T[], number];

/**
 * The only code that reads or writes `enrollments` and `enrollment_extensions`. Every read
 * is scoped by the caller in SQL (privacy/visibility.ts): an enrollment outside it is simply
 * not found. Every change moves `version`, the enrollment's ETag.
 */
/** Today's date in the enrollment's program time zone. */
const PROGRAM_TODAY = `(SELECT (now() AT TIME ZONE wp.time_zone)::date FROM programs wp WHERE wp.id = e.program_id)`;
/** The latest of the programs' todays: no enrollment's today is later. */
const LATEST_PROGRAM_TODAY = `(SELECT max((now() AT TIME ZONE lp.time_zone)::date) FROM programs lp)`;

/**
 * The SQL of each work list (domain/work-lists.ts states the rules), on alias `e`, with the
 * named parameters `withinDays` and `stalledDays`.
 */
function workListPredicate(view: WorkList): string {
  switch (view) {
    case 'ending_soon':
      // The first bound is the second's upper limit over every program (redundant, but a
      // constant: the range of the partial index enrollments_active_end). "No plan or an unmet
      // milestone" is "not every milestone met", one probe of the enrollment's milestones: as
      // `NOT EXISTS ... OR EXISTS ...` the planner hashed every milestone, twice, per request.
      return `(e.status = 'active'
        AND e.scheduled_end_date <= ${LATEST_PROGRAM_TODAY} + :withinDays::int
        AND e.scheduled_end_date <= ${PROGRAM_TODAY} + :withinDays::int
        AND NOT coalesce((SELECT bool_and(wm.met_at IS NOT NULL) FROM milestones wm
                           WHERE wm.enrollment_id = e.id), FALSE))`;
    case 'stalled':
      return `(e.status = 'active'
        AND e.activated_at < now() - make_interval(days => :stalledDays::int)
        AND NOT EXISTS (SELECT 1 FROM attendance_records wa
              WHERE wa.enrollment_id = e.id AND wa.status = 'present' AND wa.voided_at IS NULL
                AND wa.session_date > ${PROGRAM_TODAY} - :stalledDays::int))`;
    case 'ready_for_review':
      return `(e.status = 'active'
        AND EXISTS (SELECT 1 FROM milestones wm WHERE wm.enrollment_id = e.id)
        AND NOT EXISTS (SELECT 1 FROM milestones wm WHERE wm.enrollment_id = e.id AND wm.met_at IS NULL))`;
    case 'minor_notice_due':
      return `(e.status = 'completed' AND e.minor_notified_at IS NULL
        AND EXISTS (SELECT 1 FROM sealing_notices wn WHERE wn.enrollment_id = e.id)
        AND NOT EXISTS (SELECT 1 FROM sealing_notices wn
              WHERE wn.enrollment_id = e.id AND wn.status <> 'acknowledged'))`;
  }
}

/**
 * Which enrollments a list shows this caller for this query: the caller's scope first
 * (privacy/visibility.ts), then the filters, the work list and the cursor, on alias `e` with
 * named parameters. The page itself, with every enrollment's view, is one statement of
 * EnrollmentViewsRepository.
 */
export function enrollmentListFilter(
  caller: Caller,
  query: ListEnrollmentsQueryDto,
): { sql: string; params: Record<string, unknown> } {
  const scope = enrollmentVisibleTo(caller, 'e');
  const conditions = [scope.sql];
  const params: Record<string, unknown> = { ...scope.params };
  if (query.status) {
    conditions.push('e.status = :status');
    params.status = query.status;
  }
  if (query.site) {
    conditions.push('e.site = :site');
    params.site = query.site;
  }
  // A coordinator's work list is its own caseload unless it asks for the agency's (`all`).
  const assignedTo =
    query.assignedTo ?? (query.view && isUser(caller, 'coordinator') ? 'me' : undefined);
  if (assignedTo && assignedTo !== 'all') {
    conditions.push('e.assigned_coordinator_id = :assignee');
    params.assignee = assignedTo === 'me' ? caller.id : assignedTo;
  }
  if (query.participantId) {
    conditions.push('e.participant_id = :participantId');
    params.participantId = query.participantId;
  }
  if (query.view) {
    conditions.push(workListPredicate(query.view));
    params.withinDays = query.withinDays ?? ENDING_SOON_DEFAULT_DAYS;
    params.stalledDays = STALLED_AFTER_DAYS;
  }
  if (query.providerAgencyId) {
    // Only milestones whose provider the caller may see: otherwise the filter would tell
    // which clinic treats the minor to an agency that may know only met / not met (M3).
    const details = milestoneDetailsVisibleTo(caller, 'fm', 'e');
    conditions.push(
      `EXISTS (SELECT 1 FROM milestones fm WHERE fm.enrollment_id = e.id
         AND fm.provider_agency_id = :providerAgencyId AND ${details.sql})`,
    );
    Object.assign(params, details.params, { providerAgencyId: query.providerAgencyId });
  }
  if (query.cursor) {
    conditions.push('(e.created_at, e.id) > (:cursorAt::timestamptz, :cursorId::uuid)');
    Object.assign(params, decodeTimeIdCursor(query.cursor));
  }
  return { sql: conditions.map((condition) => `(${condition})`).join(' AND '), params };
}

@Injectable()
export class EnrollmentsRepository {
  constructor(private readonly uow: UnitOfWork) {}

  private scoped(caller: Caller) {
    const scope = enrollmentVisibleTo(caller, 'e');
    return this.uow.manager
      .getRepository(EnrollmentEntity)
      .createQueryBuilder('e')
      .where(scope.sql, scope.params);
  }

  async findVisible(caller: Caller, id: string): Promise<EnrollmentEntity> {
    const enrollment = await this.scoped(caller).andWhere('e.id = :id', { id }).getOne();
    if (!enrollment) throw new NotFoundError('Enrollment');
    return enrollment;
  }

  /**
   * The enrollment, locked FOR UPDATE until the transaction ends: every change to an
   * enrollment (status, end date, plan) starts here, so concurrent changes are serialised
   * and each decides on the current row, never on a stale read.
   */
  async lockVisible(caller: Caller, id: string): Promise<EnrollmentEntity> {
    if (!this.uow.inTransaction) throw new Error('lockVisible must run inside UnitOfWork.run');
    const enrollment = await this.scoped(caller)
      .andWhere('e.id = :id', { id })
      .setLock('pessimistic_write')
      .getOne();
    if (!enrollment) throw new NotFoundError('Enrollment');
    return enrollment;
  }

  /**
   * Flags, once each, up to `limit` completed enrollments whose minor has not been told in
   * writing although every sealing notice was acknowledged more than `periodDays` days before
   * `now` (WIC 786.5(b)), and returns them with their due time. Rows another instance is
   * flagging are skipped, not waited for, so each is reported exactly once.
   */
  async markMinorNoticesOverdueOnce(
    now: Date,
    periodDays: number,
    limit: number,
  ): Promise<{ enrollmentId: string; ownerAgencyId: string; dueAt: Date }[]> {
    return this.uow.manager.query(
      `WITH due AS (
         SELECT e.id, n.last_ack + make_interval(hours => 24 * $2::int) AS due_at
           FROM enrollments e
           CROSS JOIN LATERAL (
             SELECT max(sn.acknowledged_at) AS last_ack,
                    bool_and(sn.status = 'acknowledged') AS all_acknowledged
               FROM sealing_notices sn WHERE sn.enrollment_id = e.id) n
          WHERE e.status = 'completed' AND e.minor_notified_at IS NULL
            AND e.minor_notice_overdue_reported_at IS NULL
            AND n.all_acknowledged
            AND n.last_ack + make_interval(hours => 24 * $2::int) < $1
          ORDER BY e.completed_at, e.id
          LIMIT $3
          FOR UPDATE OF e SKIP LOCKED),
       flagged AS (
         UPDATE enrollments e SET minor_notice_overdue_reported_at = $1
           FROM due WHERE e.id = due.id
         RETURNING e.id, e.owner_agency_id, due.due_at)
       SELECT id AS "enrollmentId", owner_agency_id AS "ownerAgencyId", due_at AS "dueAt"
         FROM flagged`,
      [now, periodDays, limit],
    );
  }

  /** Minors' written notices flagged overdue and still not sent (an operator's gauge). */
  async minorNoticesOverdueCount(): Promise<number> {
    const [row] = await this.uow.manager.query<{ n: number }[]>(
      `SELECT count(*)::int AS n FROM enrollments
        WHERE minor_notice_overdue_reported_at IS NOT NULL AND minor_notified_at IS NULL`,
    );
    return row.n;
  }

  /** Enrollments waiting for the court, longest-waiting first (keyset on the submission time). */
  async pendingReviewPage(
    caller: Caller,
    page: { limit: number; cursor?: string },
  ): Promise<PendingReviewRow[]> {
    const scope = enrollmentVisibleTo(caller, 'e');
    const qb = this.uow.manager
      .createQueryBuilder()
      .from('enrollments', 'e')
      .select('e.id', 'id')
      .addSelect('e.participant_id', 'participantId')
      .addSelect('e.site', 'site')
      .addSelect('e.start_date', 'startDate')
      .addSelect('e.scheduled_end_date', 'scheduledEndDate')
      .addSelect('e.submitted_for_review_at', 'submittedForReviewAt')
      .addSelect(cursorTimestampSql('e.submitted_for_review_at'), 'cursorAt')
      .where(`e.status = 'pending_court_review'`)
      .andWhere('e.submitted_for_review_at IS NOT NULL')
      .andWhere(scope.sql, scope.params)
      .orderBy('e.submitted_for_review_at', 'ASC')
      .addOrderBy('e.id', 'ASC')
      .limit(page.limit + 1);
    if (page.cursor) {
      qb.andWhere(
        '(e.submitted_for_review_at, e.id) > (:cursorAt::timestamptz, :cursorId::uuid)',
        decodeTimeIdCursor(page.cursor),
      );
    }
    return qb.getRawMany<PendingReviewRow>();
  }

  async insert(enrollment: NewEnrollment): Promise<EnrollmentEntity> {
    const repository = this.uow.manager.getRepository(EnrollmentEntity);
    return repository.save(repository.create(enrollment));
  }

  /** Saves changed fields; the version moves (TypeORM's @VersionColumn). */
  async save(enrollment: EnrollmentEntity): Promise<EnrollmentEntity> {
    return this.uow.manager.getRepository(EnrollmentEntity).save(enrollment);
  }

  /** Moves the version (the ETag) of a change the row itself does not show (a consent, the plan). */
  async touch(enrollment: EnrollmentEntity): Promise<void> {
    const [rows] = await this.uow.manager.query<
      UpdateResult<{ version: number; updated_at: Date }>
    >(
      `UPDATE enrollments SET version = version + 1, updated_at = now() WHERE id = $1
       RETURNING version, updated_at`,
      [enrollment.id],
    );
    enrollment.version = rows[0].version;
    enrollment.updatedAt = rows[0].updated_at;
  }

  async addExtension(extension: NewExtension): Promise<void> {
    const repository = this.uow.manager.getRepository(EnrollmentExtensionEntity);
    await repository.save(repository.create(extension));
  }

  /** Days of every extension granted so far, for recomputing the scheduled end. */
  async extensionDays(enrollmentId: string): Promise<number[]> {
    const granted = await this.uow.manager
      .getRepository(EnrollmentExtensionEntity)
      .find({ where: { enrollmentId }, select: { days: true } });
    return granted.map((x) => x.days);
  }

  /** An enrollment's sealing-related fields, scoped; locked when `lock` (inside a transaction). */
  async findForSealing(caller: Caller, id: string, lock: boolean): Promise<EnrollmentSealingRow> {
    const scope = enrollmentVisibleTo(caller, 'e');
    const qb = this.uow.manager
      .createQueryBuilder()
      .from('enrollments', 'e')
      .select('e.id', 'id')
      .addSelect('e.status', 'status')
      .addSelect('e.completed_at', 'completed_at')
      .addSelect('e.minor_notified_at', 'minor_notified_at')
      .addSelect('e.minor_notification_method', 'minor_notification_method')
      .where('e.id = :id', { id })
      .andWhere(scope.sql, scope.params);
    if (lock) qb.setLock('pessimistic_write');
    const enrollment = await qb.getRawOne<EnrollmentSealingRow>();
    if (!enrollment) throw new NotFoundError('Enrollment');
    return enrollment;
  }

  /** Records the written notice to the minor (WIC 786.5(b)); the version moves. */
  async recordMinorNotification(
    id: string,
    notifiedAt: Date,
    method: string,
  ): Promise<EnrollmentSealingRow> {
    const [rows] = await this.uow.manager.query<UpdateResult<EnrollmentSealingRow>>(
      `UPDATE enrollments
          SET minor_notified_at = $2, minor_notification_method = $3,
              version = version + 1, updated_at = now()
        WHERE id = $1
        RETURNING id, status, completed_at, minor_notified_at, minor_notification_method`,
      [id, notifiedAt.toISOString(), method],
    );
    return rows[0];
  }
}
