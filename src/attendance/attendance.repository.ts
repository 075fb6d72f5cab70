import { Injectable } from '@nestjs/common';
import {
  attendanceWritableBy,
  enrollmentVisibleTo,
  milestoneDetailsVisibleTo,
} from '../access-scope/visibility';
import type { EnrollmentStatus } from '../enrollments/domain/enrollment-status';
import type { ServiceCategory } from '../identity/agencies/agency-kind';
import type { Caller } from '../identity/access/caller';
import { UnitOfWork } from '../infrastructure/database/unit-of-work';
import type { AttendanceStatus } from '../milestones/domain/milestone-progress';
import type { AttendanceTarget, ExistingExternalId } from './domain/attendance-rules';
import type { AttendanceRow } from './dto/attendance.dto';

/** A milestone the caller writes attendance to, with its enrollment, read under lock. */
export interface LockedTarget extends AttendanceTarget {
  category: ServiceCategory;
  /** Met before this write: tells whether the write made it met. */
  wasMet: boolean;
}

export interface NewAttendanceRow {
  id: string;
  milestoneId: string;
  enrollmentId: string;
  sessionDate: string;
  status: AttendanceStatus;
  durationMinutes: number | null;
  notes: string | null;
  externalId: string | null;
}

export interface MilestoneProgressRow {
  id: string;
  enrollment_id: string;
  category: ServiceCategory;
  attended_sessions: number;
  required_sessions: number;
  met_at: Date | null;
}

/** A milestone whose session details the caller may read. */
export interface VisibleMilestone {
  id: string;
  category: ServiceCategory;
  provider_agency_id: string;
}

const ATTENDANCE_COLUMN_NAMES = [
  'id',
  'milestone_id',
  'enrollment_id',
  'session_date',
  'status',
  'duration_minutes',
  'notes',
  'external_id',
  'version',
  'created_at',
  'updated_at',
] as const;
/** `a.id AS id, ...`: the AttendanceRow shape from alias `a`. */
const ATTENDANCE_SELECT = ATTENDANCE_COLUMN_NAMES.map((c) => `a.${c} AS ${c}`);
const ATTENDANCE_RETURNING = ATTENDANCE_COLUMN_NAMES.join(', ');

/** `manager.query` answers an UPDATE or DELETE with `[rows, count]`, anything else with rows. */
function rowsOf<T>(result: unknown): T[] {
  const isUpdateResult =
    Array.isArray(result) &&
    result.length === 2 &&
    Array.isArray(result[0]) &&
    typeof result[1] === 'number';
  return (isUpdateResult ? result[0] : result) as T[];
}

/**
 * The attendance queries. Every read is scoped by the caller (visibility.ts); every write
 * runs inside the caller's UnitOfWork transaction.
 *
 * Lock order, shared by every attendance write (and to be kept by any code that locks both):
 * enrollments by id, then milestones by id, then attendance records. Parent before child and
 * ascending ids, so two writers touching the same rows always queue instead of deadlocking.
 * `FOR NO KEY UPDATE` (what an UPDATE takes anyway) excludes other writers but not foreign-key
 * checks of rows being inserted elsewhere.
 */
@Injectable()
export class AttendanceRepository {
  constructor(private readonly uow: UnitOfWork) {}

  /** Locks the caller agency's milestones among `milestoneIds`, with their enrollments. */
  async lockTargets(
    caller: Caller,
    milestoneIds: readonly string[],
  ): Promise<Map<string, LockedTarget>> {
    const targets = new Map<string, LockedTarget>();
    if (milestoneIds.length === 0) return targets;
    const writable = attendanceWritableBy(caller, 'wm');
    const enrollments = await this.uow.manager
      .createQueryBuilder()
      .select(['e.id AS id', 'e.status AS status', 'e.start_date AS start_date'])
      .addSelect('e.scheduled_end_date', 'scheduled_end_date')
      .from('enrollments', 'e')
      .where(
        `e.id IN (SELECT wm.enrollment_id FROM milestones wm WHERE wm.id IN (:...milestoneIds) AND ${writable.sql})`,
        { milestoneIds, ...writable.params },
      )
      .orderBy('e.id')
      .setLock('for_no_key_update')
      .getRawMany<{
        id: string;
        status: EnrollmentStatus;
        start_date: string;
        scheduled_end_date: string;
      }>();
    if (enrollments.length === 0) return targets;
    const own = attendanceWritableBy(caller, 'm');
    const milestones = await this.uow.manager
      .createQueryBuilder()
      .select(['m.id AS id', 'm.enrollment_id AS enrollment_id', 'm.category AS category'])
      .addSelect('m.met_at IS NOT NULL', 'was_met')
      .from('milestones', 'm')
      .where('m.id IN (:...milestoneIds)', { milestoneIds })
      .andWhere(own.sql, own.params)
      .orderBy('m.id')
      .setLock('for_no_key_update')
      .getRawMany<{
        id: string;
        enrollment_id: string;
        category: ServiceCategory;
        was_met: boolean;
      }>();
    const enrollmentById = new Map(enrollments.map((e) => [e.id, e]));
    for (const m of milestones) {
      const e = enrollmentById.get(m.enrollment_id);
      if (!e) continue;
      targets.set(m.id, {
        milestoneId: m.id,
        enrollmentId: e.id,
        enrollmentStatus: e.status,
        startDate: e.start_date,
        scheduledEndDate: e.scheduled_end_date,
        category: m.category,
        wasMet: m.was_met,
      });
    }
    return targets;
  }

  /** The caller agency's stored records for these externalIds (one indexed query). */
  async findByExternalIds(
    caller: Caller,
    externalIds: readonly string[],
  ): Promise<Map<string, ExistingExternalId>> {
    if (externalIds.length === 0) return new Map();
    const own = attendanceWritableBy(caller, 'a');
    const rows = await this.uow.manager
      .createQueryBuilder()
      .select(['a.id AS id', 'a.milestone_id AS milestone_id', 'a.external_id AS external_id'])
      .from('attendance_records', 'a')
      .where('a.external_id IN (:...externalIds)', { externalIds })
      .andWhere(own.sql, own.params)
      .getRawMany<{ id: string; milestone_id: string; external_id: string }>();
    return new Map(rows.map((r) => [r.external_id, { id: r.id, milestoneId: r.milestone_id }]));
  }

  /**
   * One multi-row INSERT (arrays unnested server-side: ten parameters whatever the count).
   * A row whose externalId another transaction stored first is skipped, not an error (the
   * insert waits for that transaction, so a re-read then sees its row): only inserted rows
   * are returned.
   */
  async insert(caller: Caller, rows: readonly NewAttendanceRow[]): Promise<AttendanceRow[]> {
    if (rows.length === 0) return [];
    const column = <K extends keyof NewAttendanceRow>(key: K) => rows.map((row) => row[key]);
    const result: unknown = await this.uow.manager.query(
      `INSERT INTO attendance_records (id, milestone_id, enrollment_id, session_date, status,
         duration_minutes, notes, external_id, provider_agency_id, recorded_by)
       SELECT u.id, u.milestone_id, u.enrollment_id, u.session_date, u.status,
         u.duration_minutes, u.notes, u.external_id, $9::uuid, $10::uuid
       FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::date[], $5::attendance_status[],
         $6::integer[], $7::text[], $8::text[])
         AS u(id, milestone_id, enrollment_id, session_date, status, duration_minutes, notes, external_id)
       ON CONFLICT (provider_agency_id, external_id) WHERE external_id IS NOT NULL DO NOTHING
       RETURNING ${ATTENDANCE_RETURNING}`,
      [
        column('id'),
        column('milestoneId'),
        column('enrollmentId'),
        column('sessionDate'),
        column('status'),
        column('durationMinutes'),
        column('notes'),
        column('externalId'),
        caller.agencyId,
        caller.id,
      ],
    );
    return rowsOf<AttendanceRow>(result);
  }

  /**
   * Recomputes progress of these (locked) milestones from their attendance in one statement:
   * `attended_sessions` is the exact count of `present` records, never an increment, and
   * `met_at` is set when the requirement is reached and cleared when a correction undoes it.
   * Returns the milestones whose progress changed.
   */
  async recomputeProgress(milestoneIds: readonly string[]): Promise<MilestoneProgressRow[]> {
    if (milestoneIds.length === 0) return [];
    const result: unknown = await this.uow.manager.query(
      `UPDATE milestones m
          SET attended_sessions = c.present,
              met_at = CASE WHEN c.present >= m.required_sessions THEN coalesce(m.met_at, now()) END,
              version = m.version + 1,
              updated_at = now()
         FROM (SELECT milestone_id, count(*) FILTER (WHERE status = 'present')::integer AS present
                 FROM attendance_records
                WHERE milestone_id = ANY($1::uuid[])
                GROUP BY milestone_id) c
        WHERE m.id = c.milestone_id
          AND (m.attended_sessions <> c.present
               OR (m.met_at IS NOT NULL) <> (c.present >= m.required_sessions))
       RETURNING m.id, m.enrollment_id, m.category, m.attended_sessions, m.required_sessions, m.met_at`,
      [milestoneIds],
    );
    return rowsOf<MilestoneProgressRow>(result);
  }

  /**
   * 24-hour rule: the first `present` attendance of an enrollment, in any category, stamps
   * when the minor was first connected to a service. Set once; later records leave it.
   */
  async markFirstService(enrollmentIds: readonly string[]): Promise<void> {
    if (enrollmentIds.length === 0) return;
    await this.uow.manager.query(
      `UPDATE enrollments SET first_service_at = now(), updated_at = now()
        WHERE id = ANY($1::uuid[]) AND first_service_at IS NULL`,
      [enrollmentIds],
    );
  }

  /** After a correction away from `present`: an enrollment left with no attended session was never connected. */
  async clearFirstServiceIfNoneAttended(enrollmentId: string): Promise<void> {
    await this.uow.manager.query(
      `UPDATE enrollments SET first_service_at = NULL, updated_at = now()
        WHERE id = $1 AND first_service_at IS NOT NULL
          AND NOT EXISTS (SELECT 1 FROM attendance_records
                           WHERE enrollment_id = $1 AND status = 'present')`,
      [enrollmentId],
    );
  }

  /** A record the caller's agency wrote (unlocked): where to take the locks from. */
  async findOwnRecordRef(
    caller: Caller,
    id: string,
  ): Promise<{ id: string; milestone_id: string; enrollment_id: string } | undefined> {
    const own = attendanceWritableBy(caller, 'a');
    return this.uow.manager
      .createQueryBuilder()
      .select(['a.id AS id', 'a.milestone_id AS milestone_id', 'a.enrollment_id AS enrollment_id'])
      .from('attendance_records', 'a')
      .where('a.id = :id', { id })
      .andWhere(own.sql, own.params)
      .getRawOne();
  }

  /** The caller agency's record by id, locked when `lock` (inside a transaction). */
  async findOwnRecord(
    caller: Caller,
    id: string,
    lock = false,
  ): Promise<AttendanceRow | undefined> {
    const own = attendanceWritableBy(caller, 'a');
    const query = this.uow.manager
      .createQueryBuilder()
      .select(ATTENDANCE_SELECT)
      .from('attendance_records', 'a')
      .where('a.id = :id', { id })
      .andWhere(own.sql, own.params);
    if (lock) query.setLock('for_no_key_update');
    return query.getRawOne<AttendanceRow>();
  }

  async update(
    id: string,
    changes: { status: AttendanceStatus; durationMinutes: number | null; notes: string | null },
  ): Promise<AttendanceRow> {
    const result: unknown = await this.uow.manager.query(
      `UPDATE attendance_records
          SET status = $2, duration_minutes = $3, notes = $4, version = version + 1, updated_at = now()
        WHERE id = $1
       RETURNING ${ATTENDANCE_RETURNING}`,
      [id, changes.status, changes.durationMinutes, changes.notes],
    );
    return rowsOf<AttendanceRow>(result)[0];
  }

  /** A milestone whose session details the caller may read (enrollment scope and details scope). */
  async findDetailsVisibleMilestone(
    caller: Caller,
    milestoneId: string,
  ): Promise<VisibleMilestone | undefined> {
    const enrollment = enrollmentVisibleTo(caller, 'e');
    const details = milestoneDetailsVisibleTo(caller, 'm', 'e');
    return this.uow.manager
      .createQueryBuilder()
      .select([
        'm.id AS id',
        'm.category AS category',
        'm.provider_agency_id AS provider_agency_id',
      ])
      .from('milestones', 'm')
      .innerJoin('enrollments', 'e', 'e.id = m.enrollment_id')
      .where('m.id = :milestoneId', { milestoneId })
      .andWhere(enrollment.sql, enrollment.params)
      .andWhere(details.sql, details.params)
      .getRawOne<VisibleMilestone>();
  }

  /** One keyset page of a milestone's records, ordered by (session_date, id). */
  async listPage(
    caller: Caller,
    milestoneId: string,
    limit: number,
    after?: { sessionDate: string; id: string },
  ): Promise<AttendanceRow[]> {
    const enrollment = enrollmentVisibleTo(caller, 'e');
    const details = milestoneDetailsVisibleTo(caller, 'm', 'e');
    const query = this.uow.manager
      .createQueryBuilder()
      .select(ATTENDANCE_SELECT)
      .from('attendance_records', 'a')
      .innerJoin('milestones', 'm', 'm.id = a.milestone_id')
      .innerJoin('enrollments', 'e', 'e.id = m.enrollment_id')
      .where('a.milestone_id = :milestoneId', { milestoneId })
      .andWhere(enrollment.sql, enrollment.params)
      .andWhere(details.sql, details.params)
      .orderBy('a.session_date', 'ASC')
      .addOrderBy('a.id', 'ASC')
      .limit(limit + 1);
    if (after) {
      query.andWhere(
        '(a.session_date, a.id) > (CAST(:afterDate AS date), CAST(:afterId AS uuid))',
        {
          afterDate: after.sessionDate,
          afterId: after.id,
        },
      );
    }
    return query.getRawMany<AttendanceRow>();
  }

  /** One record the caller may read, with what decides its redisclosure notice. */
  async findDetailsVisibleRecord(
    caller: Caller,
    id: string,
  ): Promise<
    (AttendanceRow & { category: ServiceCategory; provider_agency_id: string }) | undefined
  > {
    const enrollment = enrollmentVisibleTo(caller, 'e');
    const details = milestoneDetailsVisibleTo(caller, 'm', 'e');
    return this.uow.manager
      .createQueryBuilder()
      .select(ATTENDANCE_SELECT)
      .addSelect(['m.category AS category', 'm.provider_agency_id AS provider_agency_id'])
      .from('attendance_records', 'a')
      .innerJoin('milestones', 'm', 'm.id = a.milestone_id')
      .innerJoin('enrollments', 'e', 'e.id = m.enrollment_id')
      .where('a.id = :id', { id })
      .andWhere(enrollment.sql, enrollment.params)
      .andWhere(details.sql, details.params)
      .getRawOne();
  }
}
