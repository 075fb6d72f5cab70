import { Injectable } from '@nestjs/common';
import { attendanceWritableBy } from '../privacy/visibility';
import type { Caller } from '../identity/access/caller';
import { UnitOfWork } from '../infrastructure/database/unit-of-work';
import type { AttendanceStatus } from '../enrollments/domain/milestone-progress';
import type { ExistingExternalId } from './domain/attendance-rules';
import type { AttendanceRow } from './dto/attendance.dto';

export interface NewAttendanceRow {
  id: string;
  milestoneId: string;
  enrollmentId: string;
  sessionDate: string;
  sessionStartedAt: string | null;
  status: AttendanceStatus;
  durationMinutes: number | null;
  notes: string | null;
  externalId: string | null;
}

const ATTENDANCE_COLUMN_NAMES = [
  'id',
  'milestone_id',
  'enrollment_id',
  'session_date',
  'session_started_at',
  'status',
  'duration_minutes',
  'notes',
  'external_id',
  'voided_at',
  'voided_by',
  'void_reason',
  'provider_agency_id',
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
 * The only code that reads or writes `attendance_records`. Writes run inside the caller's
 * transaction, after the plan's locks (enrollment, then milestones: PlanProgress.lockWritable),
 * then the records: the lock order every attendance write shares.
 */
@Injectable()
export class AttendanceRepository {
  constructor(private readonly uow: UnitOfWork) {}

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
      // One array parameter, not one per id: a 1000-record batch is one value to bind.
      .where('a.external_id = ANY(:externalIds)', { externalIds })
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
         duration_minutes, notes, external_id, session_started_at, provider_agency_id, recorded_by)
       SELECT u.id, u.milestone_id, u.enrollment_id, u.session_date, u.status,
         u.duration_minutes, u.notes, u.external_id, u.session_started_at, $10::uuid, $11::uuid
       FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::date[], $5::attendance_status[],
         $6::integer[], $7::text[], $8::text[], $9::timestamptz[])
         AS u(id, milestone_id, enrollment_id, session_date, status, duration_minutes, notes,
              external_id, session_started_at)
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
        column('sessionStartedAt'),
        caller.agencyId,
        caller.id,
      ],
    );
    return rowsOf<AttendanceRow>(result);
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

  /** Voids a record: it stays, marked, and no longer counts; the version moves. */
  async void(id: string, voidedBy: string, reason: string): Promise<AttendanceRow> {
    const result: unknown = await this.uow.manager.query(
      `UPDATE attendance_records
          SET voided_at = now(), voided_by = $2, void_reason = $3,
              version = version + 1, updated_at = now()
        WHERE id = $1 AND voided_at IS NULL
       RETURNING ${ATTENDANCE_RETURNING}`,
      [id, voidedBy, reason],
    );
    return rowsOf<AttendanceRow>(result)[0];
  }

  /**
   * One keyset page of a milestone's records, ordered by (session_date, id). The caller has
   * already established (PlanProgress.findDetailsVisible) that it may read this milestone's
   * sessions.
   */
  async listPage(
    milestoneId: string,
    limit: number,
    after?: { sessionDate: string; id: string },
  ): Promise<AttendanceRow[]> {
    const query = this.uow.manager
      .createQueryBuilder()
      .select(ATTENDANCE_SELECT)
      .from('attendance_records', 'a')
      .where('a.milestone_id = :milestoneId', { milestoneId })
      .orderBy('a.session_date', 'ASC')
      .addOrderBy('a.id', 'ASC')
      .limit(limit + 1);
    if (after) {
      query.andWhere(
        '(a.session_date, a.id) > (CAST(:afterDate AS date), CAST(:afterId AS uuid))',
        { afterDate: after.sessionDate, afterId: after.id },
      );
    }
    return query.getRawMany<AttendanceRow>();
  }

  /** One record by id, unscoped: the caller then checks its milestone through the plan. */
  async findById(id: string): Promise<AttendanceRow | undefined> {
    return this.uow.manager
      .createQueryBuilder()
      .select(ATTENDANCE_SELECT)
      .from('attendance_records', 'a')
      .where('a.id = :id', { id })
      .getRawOne<AttendanceRow>();
  }

  /**
   * What attendance now says, in ONE statement: the exact count of `present`, not voided, records of each
   * milestone (0 for one without any), and when each enrollment's first attended session
   * took place, for the 24-hour rule (PRODUCT.md): its `session_started_at` when the provider
   * gave it, otherwise the end of its session date in the program's time zone (`timeZone`),
   * never when it was entered; null for an enrollment with no attended session left.
   */
  async progressFacts(
    milestoneIds: readonly string[],
    enrollments: readonly { enrollmentId: string; timeZone: string }[],
  ): Promise<{
    presentCounts: { milestoneId: string; present: number }[];
    firstService: { enrollmentId: string; at: Date | null }[];
  }> {
    if (milestoneIds.length === 0 && enrollments.length === 0) {
      return { presentCounts: [], firstService: [] };
    }
    const rows = await this.uow.manager.query<
      { kind: 'milestone' | 'enrollment'; id: string; present: number | null; at: Date | null }[]
    >(
      `SELECT 'milestone' AS kind, m.id,
              count(a.id) FILTER (WHERE a.status = 'present' AND a.voided_at IS NULL)::integer AS present,
              NULL::timestamptz AS at
         FROM unnest($1::uuid[]) AS m (id)
         LEFT JOIN attendance_records a ON a.milestone_id = m.id
        GROUP BY m.id
       UNION ALL
       SELECT 'enrollment', x.enrollment_id, NULL,
              (SELECT min(coalesce(a.session_started_at,
                                   ((a.session_date + 1)::timestamp AT TIME ZONE x.time_zone)))
                 FROM attendance_records a
                WHERE a.enrollment_id = x.enrollment_id AND a.status = 'present'
                   AND a.voided_at IS NULL)
         FROM unnest($2::uuid[], $3::text[]) AS x (enrollment_id, time_zone)`,
      [milestoneIds, enrollments.map((e) => e.enrollmentId), enrollments.map((e) => e.timeZone)],
    );
    return {
      presentCounts: rows
        .filter((row) => row.kind === 'milestone')
        .map((row) => ({ milestoneId: row.id, present: row.present ?? 0 })),
      firstService: rows
        .filter((row) => row.kind === 'enrollment')
        .map((row) => ({ enrollmentId: row.id, at: row.at })),
    };
  }
}
