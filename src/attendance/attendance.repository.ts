import { Injectable } from '@nestjs/common';
import { AppConfig } from '../common/config/app-config';
import { reencryptBatch, SESSION_NOTES } from '../infrastructure/database/encrypted-column';
import { attendanceNotesContext, FieldCipher } from '../infrastructure/crypto/field-cipher';
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
  /** The program's IANA time zone (not stored): places the session for the 24-hour rule. */
  timeZone: string;
}

/** An inserted record, with the moment it counts from when it is attended (else null). */
export type InsertedAttendanceRow = AttendanceRow & { counts_from: Date | null };

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

/**
 * When a session took place, for the 24-hour rule (PRODUCT.md): its `session_started_at` when
 * the provider gave it, otherwise the end of its session date in the program's time zone,
 * never when it was entered. One expression for the exact recount and the insert's answer.
 */
const sessionMoment = (alias: string, timeZone: string) =>
  `coalesce(${alias}.session_started_at, ((${alias}.session_date + 1)::timestamp AT TIME ZONE ${timeZone}))`;

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
  private readonly cipher: FieldCipher;

  constructor(
    private readonly uow: UnitOfWork,
    config: AppConfig,
  ) {
    this.cipher = config.fieldCipher;
  }

  /** Notes are stored encrypted (AES-256-GCM, bound to the row): sealed on write... */
  private sealNotes(id: string, notes: string | null): string | null {
    return notes === null ? null : this.cipher.encrypt(notes, attendanceNotesContext(id));
  }

  /** ...and opened on read; a value altered or moved in the database fails loudly. */
  private opened<T extends AttendanceRow | undefined>(row: T): T {
    if (!row || row.notes === null) return row;
    return { ...row, notes: this.cipher.decrypt(row.notes, attendanceNotesContext(row.id)) };
  }

  /**
   * Rewrites up to `limit` notes not under the write key (plaintext from before encryption
   * included) to be under it, locked, skipping rows another run holds; returns how many.
   */
  async reencryptNotesBatch(limit: number): Promise<number> {
    return reencryptBatch(this.uow.manager, SESSION_NOTES, this.cipher, limit);
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
      // One array parameter, not one per id: a 1000-record batch is one value to bind.
      .where('a.external_id = ANY(:externalIds)', { externalIds })
      .andWhere(own.sql, own.params)
      .getRawMany<{ id: string; milestone_id: string; external_id: string }>();
    return new Map(rows.map((r) => [r.external_id, { id: r.id, milestoneId: r.milestone_id }]));
  }

  /**
   * One multi-row INSERT (arrays unnested server-side: a dozen parameters whatever the count).
   * A row whose externalId another transaction stored first is skipped, not an error (the
   * insert waits for that transaction, so a re-read then sees its row): only inserted rows
   * are returned, each with the moment it counts from (`counts_from`, null unless present).
   * What these rows add to progress is computed from this answer, never from a recount: a
   * skipped re-send is not in it, so it cannot count twice.
   */
  async insert(
    caller: Caller,
    rows: readonly NewAttendanceRow[],
  ): Promise<InsertedAttendanceRow[]> {
    if (rows.length === 0) return [];
    const column = <K extends keyof NewAttendanceRow>(key: K) => rows.map((row) => row[key]);
    const result: unknown = await this.uow.manager.query(
      `WITH inserted AS (
         INSERT INTO attendance_records (id, milestone_id, enrollment_id, session_date, status,
           duration_minutes, notes, external_id, session_started_at, provider_agency_id, recorded_by)
         SELECT u.id, u.milestone_id, u.enrollment_id, u.session_date, u.status,
           u.duration_minutes, u.notes, u.external_id, u.session_started_at, $10::uuid, $11::uuid
         FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::date[], $5::attendance_status[],
           $6::integer[], $7::text[], $8::text[], $9::timestamptz[])
           AS u(id, milestone_id, enrollment_id, session_date, status, duration_minutes, notes,
                external_id, session_started_at)
         ON CONFLICT (provider_agency_id, external_id) WHERE external_id IS NOT NULL DO NOTHING
         RETURNING ${ATTENDANCE_RETURNING})
       SELECT i.*,
              CASE WHEN i.status = 'present' THEN ${sessionMoment('i', 'z.time_zone')} END AS counts_from
         FROM inserted i
         JOIN unnest($1::uuid[], $12::text[]) WITH ORDINALITY AS z (id, time_zone, n) ON z.id = i.id
        ORDER BY z.n`,
      [
        column('id'),
        column('milestoneId'),
        column('enrollmentId'),
        column('sessionDate'),
        column('status'),
        column('durationMinutes'),
        rows.map((row) => this.sealNotes(row.id, row.notes)),
        column('externalId'),
        column('sessionStartedAt'),
        caller.agencyId,
        caller.id,
        column('timeZone'),
      ],
    );
    return rowsOf<InsertedAttendanceRow>(result).map((row) => this.opened(row));
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
    return this.opened(await query.getRawOne<AttendanceRow>());
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
      [id, changes.status, changes.durationMinutes, this.sealNotes(id, changes.notes)],
    );
    return this.opened(rowsOf<AttendanceRow>(result)[0]);
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
    return (await query.getRawMany<AttendanceRow>()).map((row) => this.opened(row));
  }

  /** One record by id, unscoped: the caller then checks its milestone through the plan. */
  async findById(id: string): Promise<AttendanceRow | undefined> {
    return this.uow.manager
      .createQueryBuilder()
      .select(ATTENDANCE_SELECT)
      .from('attendance_records', 'a')
      .where('a.id = :id', { id })
      .getRawOne<AttendanceRow>()
      .then((row) => this.opened(row));
  }

  /**
   * What attendance now says, in ONE statement: the exact count of `present`, not voided,
   * records of each milestone and of all its records not voided (`recorded`; 0 for one
   * without any), and when each enrollment's first
   * attended session took place (`sessionMoment`), null for an enrollment with no attended
   * session left. For a correction or a void, which can make a record stop counting; a new
   * record's write adds its delta instead (`insert`'s answer, PlanProgress.attendanceAdded).
   */
  async progressFacts(
    milestoneIds: readonly string[],
    enrollments: readonly { enrollmentId: string; timeZone: string }[],
  ): Promise<{
    counts: { milestoneId: string; present: number; recorded: number }[];
    firstService: { enrollmentId: string; at: Date | null }[];
  }> {
    if (milestoneIds.length === 0 && enrollments.length === 0) {
      return { counts: [], firstService: [] };
    }
    const rows = await this.uow.manager.query<
      {
        kind: 'milestone' | 'enrollment';
        id: string;
        present: number | null;
        recorded: number | null;
        at: Date | null;
      }[]
    >(
      `SELECT 'milestone' AS kind, m.id,
              count(a.id) FILTER (WHERE a.status = 'present' AND a.voided_at IS NULL)::integer AS present,
              count(a.id) FILTER (WHERE a.voided_at IS NULL)::integer AS recorded,
              NULL::timestamptz AS at
         FROM unnest($1::uuid[]) AS m (id)
         LEFT JOIN attendance_records a ON a.milestone_id = m.id
        GROUP BY m.id
       UNION ALL
       SELECT 'enrollment', x.enrollment_id, NULL, NULL,
              (SELECT min(${sessionMoment('a', 'x.time_zone')})
                 FROM attendance_records a
                WHERE a.enrollment_id = x.enrollment_id AND a.status = 'present'
                   AND a.voided_at IS NULL)
         FROM unnest($2::uuid[], $3::text[]) AS x (enrollment_id, time_zone)`,
      [milestoneIds, enrollments.map((e) => e.enrollmentId), enrollments.map((e) => e.timeZone)],
    );
    return {
      counts: rows
        .filter((row) => row.kind === 'milestone')
        .map((row) => ({
          milestoneId: row.id,
          present: row.present ?? 0,
          recorded: row.recorded ?? 0,
        })),
      firstService: rows
        .filter((row) => row.kind === 'enrollment')
        .map((row) => ({ enrollmentId: row.id, at: row.at })),
    };
  }
}
