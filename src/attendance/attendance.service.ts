import { Injectable } from '@nestjs/common';
import { DomainError, NotFoundError } from '../common/errors/domain-error';
import { assertIfMatch, assertIfMatchRequired } from '../common/http/etag';
import { DATE_ID } from '../common/pagination/keyset';
import { Page, PageQueryDto } from '../common/pagination/pagination';
import { NewEvent, Outbox } from '../events/outbox.service';
import type { Caller } from '../identity/access/caller';
import { AuditContext } from '../infrastructure/audit-context/audit-context';
import { timeOrderedId } from '../infrastructure/database/time-ordered-id';
import { UnitOfWork } from '../infrastructure/database/unit-of-work';
import type {
  MilestoneProgressRow,
  WritableMilestone,
} from '../enrollments/milestones/milestones.repository';
import { PlanProgress } from '../enrollments/milestones/plan-progress.service';
import {
  AttendanceRepository,
  InsertedAttendanceRow,
  NewAttendanceRow,
} from './attendance.repository';
import {
  AttendanceCandidate,
  AttendanceDuplicate,
  AttendanceRejection,
  planAttendance,
  utcToday,
} from './domain/attendance-rules';
import { presentAttendance } from './attendance.presenter';
import { AttendanceDto, AttendanceRow } from './dto/attendance.dto';
import {
  BatchAttendanceDto,
  BatchAttendanceResultDto,
  BatchRecordOutcomeDto,
} from './dto/batch-attendance.dto';
import { validateBatchRecord } from './dto/batch-record.validation';
import { CorrectAttendanceDto, VoidAttendanceDto } from './dto/correct-attendance.dto';
import { RecordAttendanceDto } from './dto/record-attendance.dto';

/** What one write did, record by record. */
interface WriteOutcome {
  inserted: InsertedAttendanceRow[];
  /** Re-sends: index -> the stored record's id. */
  duplicates: Map<number, string>;
  rejected: AttendanceRejection[];
  /** Index of each inserted record in the request. */
  insertedIndex: Map<string, number>;
  /** The milestones written to, locked. */
  targets: ReadonlyMap<string, WritableMilestone>;
}

const unique = <T>(values: Iterable<T>): T[] => [...new Set(values)];

/**
 * Attendance: single and batch writes by the delivering provider, corrections, and the
 * scoped list. Every new record takes the same path (`write`): lock the targets, plan record
 * by record (attendance-rules.ts), insert in one statement, add what the inserted records
 * count to progress and the 24-hour stamp (one statement, whatever the milestones), emit
 * events; all in the caller's transaction. A correction or a void recounts its one milestone
 * exactly instead (`recount`).
 */
@Injectable()
export class AttendanceService {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly records: AttendanceRepository,
    private readonly plan: PlanProgress,
    private readonly outbox: Outbox,
    private readonly auditContext: AuditContext,
  ) {}

  /**
   * `POST /milestones/:id/attendance`. `created` is false when the externalId was already
   * stored for this milestone: nothing is written and the stored record is returned (200).
   */
  async record(
    caller: Caller,
    milestoneId: string,
    input: RecordAttendanceDto,
    ifMatch?: string,
  ): Promise<{ record: AttendanceDto; created: boolean }> {
    const candidate: AttendanceCandidate = {
      index: 0,
      milestoneId: milestoneId.toLowerCase(),
      sessionDate: input.sessionDate,
      sessionStartedAt: input.sessionStartedAt ?? null,
      status: input.status,
      durationMinutes: input.durationMinutes ?? null,
      notes: input.notes ?? null,
      externalId: input.externalId ?? null,
    };
    return this.uow.run(async () => {
      if (ifMatch !== undefined && ifMatch.trim() !== '') {
        // If-Match names the milestone's ETag: checked under the lock the write takes anyway.
        const target = (await this.plan.lockWritable(caller, [candidate.milestoneId])).get(
          candidate.milestoneId,
        );
        if (!target) throw new NotFoundError('Milestone');
        assertIfMatch(ifMatch, target.version);
      }
      const outcome = await this.write(caller, [candidate]);
      const [rejection] = outcome.rejected;
      if (rejection) {
        if (rejection.code === 'NOT_FOUND') throw new NotFoundError('Milestone');
        throw new DomainError(rejection.code, rejection.detail);
      }
      const storedId = outcome.duplicates.get(0);
      if (storedId !== undefined) {
        const stored = await this.records.findOwnRecord(caller, storedId);
        const target = stored && outcome.targets.get(stored.milestone_id);
        if (!stored || !target) throw new NotFoundError('Attendance record');
        // Nothing was recorded: the answer discloses the stored record, a read.
        this.auditContext.setAction('attendance.read');
        return { record: presentAttendance(caller, stored, target.category), created: false };
      }
      const [row] = outcome.inserted;
      const target = outcome.targets.get(row.milestone_id)!;
      return { record: presentAttendance(caller, row, target.category), created: true };
    });
  }

  /**
   * `POST /attendance/batch`: each record is validated and judged on its own; the accepted
   * ones are written together in one transaction (all or none of them).
   */
  async recordBatch(caller: Caller, input: BatchAttendanceDto): Promise<BatchAttendanceResultDto> {
    const candidates: AttendanceCandidate[] = [];
    const invalid: AttendanceRejection[] = [];
    input.records.forEach((plain, index) => {
      const result = validateBatchRecord(plain, index);
      if ('candidate' in result) candidates.push(result.candidate);
      else invalid.push(result.rejection);
    });
    return this.uow.run(async () => {
      const outcome = await this.write(caller, candidates);
      const touched = unique(outcome.inserted.map((row) => row.milestone_id));
      this.auditContext.setSubjects(touched);
      const records: BatchRecordOutcomeDto[] = [
        ...outcome.inserted.map((row) => ({
          index: outcome.insertedIndex.get(row.id)!,
          id: row.id,
          outcome: 'accepted' as const,
        })),
        ...[...outcome.duplicates].map(([index, id]) => ({
          index,
          id,
          outcome: 'duplicate' as const,
        })),
      ].sort((a, b) => a.index - b.index);
      return {
        accepted: outcome.inserted.length,
        duplicates: outcome.duplicates.size,
        rejected: [...invalid, ...outcome.rejected]
          .sort((a, b) => a.index - b.index)
          .map(({ index, code, detail }) => ({ index, reason: `${code}: ${detail}` })),
        records,
      };
    });
  }

  /**
   * `PATCH /attendance/:id`: the delivering provider corrects its own record (If-Match
   * required), while the enrollment is active. Progress is recomputed: a present -> absent
   * correction can un-meet the milestone (met_at is cleared) and, if it removes the
   * enrollment's only attended session, clears the 24-hour-rule stamp. A milestone met again
   * afterwards emits `milestone.met` again: the event marks each transition to met.
   */
  async correct(
    caller: Caller,
    id: string,
    ifMatch: string | undefined,
    input: CorrectAttendanceDto,
  ): Promise<AttendanceDto> {
    if (!ifMatch?.trim()) {
      throw new DomainError('PRECONDITION_REQUIRED', 'Send If-Match with the ETag you last read');
    }
    return this.uow.run(async () => {
      const { targets, target, current } = await this.lockOwnRecord(caller, id);
      assertIfMatchRequired(ifMatch, current.version);
      if (current.voided_at !== null) {
        throw new DomainError('ATTENDANCE_VOIDED', 'This record was voided; record a new one');
      }
      assertActive(target, 'corrected');
      const next = {
        status: input.status ?? current.status,
        durationMinutes:
          input.durationMinutes === undefined ? current.duration_minutes : input.durationMinutes,
        notes: input.notes === undefined ? current.notes : input.notes,
      };
      if (
        next.status === current.status &&
        next.durationMinutes === current.duration_minutes &&
        next.notes === current.notes
      ) {
        return presentAttendance(caller, current, target.category);
      }
      const updated = await this.records.update(id, next);
      const events: NewEvent[] = [
        this.sessionEvent('attendance.recorded', updated, target, {
          corrected: true,
          previousStatus: current.status,
        }),
      ];
      if (next.status !== current.status) events.push(...(await this.recount(target, targets)));
      await this.outbox.emit(...events);
      return presentAttendance(caller, updated, target.category);
    });
  }

  /**
   * `POST /attendance/:id/void`: the delivering provider voids its own wrong record (with a
   * reason; If-Match honoured), while the enrollment is active. The record stays, marked
   * voided, in the history of those who may see the milestone's sessions; it no longer
   * counts, so progress is recomputed exactly as for a correction (the milestone may be
   * un-met, the 24-hour stamp cleared when no attended session is left).
   */
  async void(
    caller: Caller,
    id: string,
    ifMatch: string | undefined,
    input: VoidAttendanceDto,
  ): Promise<AttendanceDto> {
    return this.uow.run(async () => {
      const { targets, target, current } = await this.lockOwnRecord(caller, id);
      assertIfMatch(ifMatch, current.version);
      if (current.voided_at !== null) {
        throw new DomainError('ATTENDANCE_VOIDED', 'This record is already voided');
      }
      assertActive(target, 'voided');
      const voided = await this.records.void(id, caller.id, input.reason);
      const events: NewEvent[] = [this.sessionEvent('attendance.voided', voided, target)];
      // Every void changes the recorded count (the report's attendance rate), an absence too.
      events.push(...(await this.recount(target, targets)));
      await this.outbox.emit(...events);
      return presentAttendance(caller, voided, target.category);
    });
  }

  /**
   * `GET /milestones/:id/attendance`: the session records of a milestone whose details the
   * caller may see (else 404). Substance-abuse records shown to any agency but the delivering
   * provider carry the 42 CFR 2.32 redisclosure notice. The read is audited.
   */
  async list(
    caller: Caller,
    milestoneId: string,
    page: PageQueryDto,
  ): Promise<Page<AttendanceDto>> {
    const after = DATE_ID.decode(page.cursor);
    return this.uow.run(async () => {
      const milestone = await this.plan.findDetailsVisible(caller, milestoneId);
      if (!milestone) throw new NotFoundError('Milestone');
      const rows = await this.records.listPage(
        milestoneId,
        page.limit,
        after ? { sessionDate: after[0], id: after[1] } : undefined,
      );
      return DATE_ID.page(
        rows,
        page.limit,
        (row) => [row.session_date, row.id],
        (row) => presentAttendance(caller, row, milestone.category),
      );
    });
  }

  /** `GET /attendance/:id`: one record, same scope and notice as the list; its version is the ETag. */
  async get(caller: Caller, id: string): Promise<AttendanceDto> {
    return this.uow.run(async () => {
      const row = await this.records.findById(id);
      const milestone = row && (await this.plan.findDetailsVisible(caller, row.milestone_id));
      if (!row || !milestone) throw new NotFoundError('Attendance record');
      return presentAttendance(caller, row, milestone.category);
    });
  }

  /** The one write path, inside the caller's transaction. */
  private async write(
    caller: Caller,
    candidates: readonly AttendanceCandidate[],
  ): Promise<WriteOutcome> {
    const outcome: WriteOutcome = {
      inserted: [],
      duplicates: new Map(),
      rejected: [],
      insertedIndex: new Map(),
      targets: new Map(),
    };
    if (candidates.length === 0) return outcome;
    const targets = await this.plan.lockWritable(
      caller,
      unique(candidates.map((c) => c.milestoneId)),
    );
    outcome.targets = targets;
    const externalIds = unique(
      candidates.flatMap((c) => (c.externalId === null ? [] : [c.externalId])),
    );
    const stored = await this.records.findByExternalIds(caller, externalIds);
    const now = new Date();
    const plan = planAttendance(candidates, targets, stored, utcToday(now), now);

    const rows: (NewAttendanceRow & { index: number })[] = plan.accepted.map(
      ({ candidate, target }) => ({
        // Time-ordered: the new keys append to the id index (time-ordered-id.ts).
        id: timeOrderedId(),
        index: candidate.index,
        milestoneId: target.milestoneId,
        enrollmentId: target.enrollmentId,
        sessionDate: candidate.sessionDate,
        sessionStartedAt: candidate.sessionStartedAt,
        status: candidate.status,
        durationMinutes: candidate.durationMinutes,
        notes: candidate.notes,
        externalId: candidate.externalId,
        timeZone: target.timeZone,
      }),
    );
    outcome.inserted = await this.records.insert(caller, rows);
    const insertedIds = new Set(outcome.inserted.map((row) => row.id));
    for (const row of rows) {
      if (insertedIds.has(row.id)) outcome.insertedIndex.set(row.id, row.index);
    }
    outcome.rejected.push(...plan.rejected);
    await this.settleExternalIds(caller, rows, insertedIds, plan.duplicates, outcome);

    const progress = await this.plan.attendanceAdded(addedProgress(outcome.inserted));
    await this.outbox.emit(
      ...outcome.inserted.map((row) =>
        this.sessionEvent('attendance.recorded', row, targets.get(row.milestone_id)!),
      ),
      ...this.metEvents(progress, targets),
    );
    return outcome;
  }

  /**
   * Resolves every record that named an externalId and was not inserted by this write: a
   * re-send of a stored record, a repeat within the batch, or a row another transaction
   * stored first under the same externalId (skipped by the insert). Same milestone ->
   * duplicate; different milestone -> conflict.
   */
  private async settleExternalIds(
    caller: Caller,
    rows: readonly (NewAttendanceRow & { index: number })[],
    insertedIds: ReadonlySet<string>,
    planned: readonly AttendanceDuplicate[],
    outcome: WriteOutcome,
  ): Promise<void> {
    const lost = rows.filter((row) => !insertedIds.has(row.id));
    const owners = new Map<string, { id: string; milestoneId: string }>();
    for (const row of outcome.inserted) {
      if (row.external_id !== null)
        owners.set(row.external_id, { id: row.id, milestoneId: row.milestone_id });
    }
    const unresolved = unique([
      ...lost.map((row) => row.externalId!),
      ...planned
        .filter((d) => d.of.kind === 'batch' && !owners.has(d.externalId))
        .map((d) => d.externalId),
    ]);
    const raced = await this.records.findByExternalIds(caller, unresolved);
    for (const [externalId, owner] of raced) owners.set(externalId, owner);

    const settle = (index: number, externalId: string, milestoneId: string, storedId?: string) => {
      const owner = storedId ? { id: storedId, milestoneId } : owners.get(externalId);
      if (owner && owner.milestoneId === milestoneId) {
        outcome.duplicates.set(index, owner.id);
      } else {
        outcome.rejected.push({
          index,
          code: 'ATTENDANCE_EXTERNAL_ID_CONFLICT',
          detail: 'This externalId is already used for a different milestone',
        });
      }
    };
    for (const row of lost) settle(row.index, row.externalId!, row.milestoneId);
    for (const d of planned) {
      settle(d.index, d.externalId, d.milestoneId, d.of.kind === 'stored' ? d.of.id : undefined);
    }
  }

  /** `attendance.recorded` or `attendance.voided`: ids, status, date and category; never notes. */
  private sessionEvent(
    type: 'attendance.recorded' | 'attendance.voided',
    row: AttendanceRow,
    target: WritableMilestone,
    correction?: { corrected: true; previousStatus: string },
  ): NewEvent {
    return {
      type,
      enrollmentId: row.enrollment_id,
      data: {
        attendanceId: row.id,
        milestoneId: row.milestone_id,
        enrollmentId: row.enrollment_id,
        category: target.category,
        status: row.status,
        sessionDate: row.session_date,
        version: row.version,
        ...correction,
      },
    };
  }

  /**
   * The caller's own record, its milestone and enrollment locked for the change (the shared
   * lock order of lockWritable); 404 unless the caller's agency wrote it and may still write.
   */
  private async lockOwnRecord(caller: Caller, id: string) {
    const ref = await this.records.findOwnRecordRef(caller, id);
    if (!ref) throw new NotFoundError('Attendance record');
    const targets = await this.plan.lockWritable(caller, [ref.milestone_id]);
    const target = targets.get(ref.milestone_id);
    const current = await this.records.findOwnRecord(caller, id, true);
    if (!target || !current) throw new NotFoundError('Attendance record');
    return { targets, target, current };
  }

  /**
   * A record started or stopped counting: the milestone's exact count and the enrollment's
   * first-service stamp are recomputed; returns the `milestone.met` events that causes.
   */
  private async recount(
    target: WritableMilestone,
    targets: ReadonlyMap<string, WritableMilestone>,
  ): Promise<NewEvent[]> {
    const progress = await this.plan.attendanceChanged(
      await this.records.progressFacts(
        [target.milestoneId],
        [{ enrollmentId: target.enrollmentId, timeZone: target.timeZone }],
      ),
    );
    return this.metEvents(progress, targets);
  }

  /** `milestone.met` for each milestone this write made met (not for one already met). */
  private metEvents(
    progress: readonly MilestoneProgressRow[],
    targets: ReadonlyMap<string, WritableMilestone>,
  ): NewEvent[] {
    return progress
      .filter((m) => m.metAt !== null && !targets.get(m.id)?.wasMet)
      .map((m) => ({
        type: 'milestone.met' as const,
        enrollmentId: m.enrollmentId,
        data: { milestoneId: m.id, enrollmentId: m.enrollmentId, category: m.category },
      }));
  }
}

/**
 * What newly inserted records add: per milestone, the `present` ones and all of them
 * (`recorded`: a new record is never voided, the check only keeps the two counts' definition
 * in one place); per enrollment, the earliest moment among them (the 24-hour rule). Computed from
 * the rows the insert returned, so a re-sent or raced externalId, skipped by the insert,
 * adds nothing.
 */
function addedProgress(inserted: readonly InsertedAttendanceRow[]): {
  added: { milestoneId: string; present: number; recorded: number }[];
  firstService: { enrollmentId: string; at: Date }[];
} {
  const added = new Map<string, { present: number; recorded: number }>();
  const first = new Map<string, Date>();
  for (const row of inserted) {
    if (row.voided_at !== null) continue;
    const counts = added.get(row.milestone_id) ?? { present: 0, recorded: 0 };
    added.set(row.milestone_id, counts);
    counts.recorded += 1;
    if (row.status !== 'present' || row.counts_from === null) continue;
    counts.present += 1;
    const at = new Date(row.counts_from);
    const earliest = first.get(row.enrollment_id);
    if (earliest === undefined || at < earliest) first.set(row.enrollment_id, at);
  }
  return {
    added: [...added].map(([milestoneId, counts]) => ({ milestoneId, ...counts })),
    firstService: [...first].map(([enrollmentId, at]) => ({ enrollmentId, at })),
  };
}

/** Records are corrected or voided only while the enrollment is active. */
function assertActive(target: WritableMilestone, verb: 'corrected' | 'voided'): void {
  if (target.enrollmentStatus !== 'active') {
    throw new DomainError(
      'ENROLLMENT_NOT_ACTIVE',
      `The enrollment is ${target.enrollmentStatus}; only records of active enrollments can be ${verb}`,
    );
  }
}
