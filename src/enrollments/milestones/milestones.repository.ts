import { Injectable } from '@nestjs/common';
import type { ServiceCategory } from '../../identity/agencies/agency-kind';
import type { Caller } from '../../identity/access/caller';
import { UnitOfWork } from '../../infrastructure/database/unit-of-work';
import {
  attendanceWritableBy,
  enrollmentVisibleTo,
  milestoneDetailsVisibleTo,
} from '../../privacy/visibility';
import type { EnrollmentStatus } from '../domain/enrollment-status';
import { EnrollmentEntity } from '../enrollment.entity';
import { MilestoneEntity } from './milestone.entity';

export type NewMilestone = Pick<
  MilestoneEntity,
  'enrollmentId' | 'category' | 'providerAgencyId' | 'requiredSessions' | 'createdBy'
>;

/** One line of a plan's history (milestone_changes). */
export interface NewMilestoneChange {
  enrollmentId: string;
  milestoneId: string;
  kind: 'corrected' | 'removed';
  category: ServiceCategory;
  before: { providerAgencyId: string; requiredSessions: number };
  /** Absent for a removal. */
  after?: { providerAgencyId: string; requiredSessions: number };
  reason: string;
  changedBy: string;
}

/** A milestone as the caller may see it: whether its session details are visible is decided in SQL. */
export interface MilestoneRow {
  milestone: MilestoneEntity;
  detailsVisible: boolean;
}

/** A milestone the caller's agency delivers, with its enrollment, read under lock for a write. */
export interface WritableMilestone {
  milestoneId: string;
  enrollmentId: string;
  enrollmentStatus: EnrollmentStatus;
  startDate: string;
  scheduledEndDate: string;
  /** The program's IANA time zone, in which session dates are read. */
  timeZone: string;
  category: ServiceCategory;
  /** Met before this write: tells whether the write made it met. */
  wasMet: boolean;
  /** The milestone's version (its ETag) before this write. */
  version: number;
}

/** A milestone whose session details the caller may read. */
export interface DetailsVisibleMilestone {
  id: string;
  enrollmentId: string;
  category: ServiceCategory;
  providerAgencyId: string;
}

export interface MilestoneProgressRow {
  id: string;
  enrollmentId: string;
  category: ServiceCategory;
  attendedSessions: number;
  requiredSessions: number;
  metAt: Date | null;
}

const PROGRESS_COLUMNS = `m.id, m.enrollment_id AS "enrollmentId", m.category,
  m.attended_sessions AS "attendedSessions", m.required_sessions AS "requiredSessions",
  m.met_at AS "metAt"`;

/** PROGRESS_COLUMNS as named by a CTE that returned them. */
const PROGRESS_OUTPUT = `id, "enrollmentId", category, "attendedSessions", "requiredSessions", "metAt"`;

/**
 * The service plan's milestones: the only code that reads or writes `milestones`. Reads are
 * scoped by the caller (privacy/visibility.ts); progress moves by what attendance reports:
 * the records a write inserted are added (`addAttendance`), a correction or a void sets the
 * exact recount (`applyAttendance`); both under the locks of `lockWritable`.
 *
 * Lock order shared by every write that touches the plan: enrollments by id, then milestones
 * by id, then attendance records (parent before child, ascending ids), so writers queue
 * instead of deadlocking.
 */
@Injectable()
export class MilestonesRepository {
  constructor(private readonly uow: UnitOfWork) {}

  async insert(milestone: NewMilestone): Promise<MilestoneEntity> {
    const repository = this.uow.manager.getRepository(MilestoneEntity);
    return repository.save(repository.create({ ...milestone, attendedSessions: 0 }));
  }

  /** One milestone as the caller may see it (only of an enrollment visible to the caller). */
  async visible(caller: Caller, where: { milestoneId: string }): Promise<MilestoneRow[]> {
    const scope = enrollmentVisibleTo(caller, 'e');
    const details = milestoneDetailsVisibleTo(caller, 'm', 'e');
    const query = this.uow.manager
      .getRepository(MilestoneEntity)
      .createQueryBuilder('m')
      .innerJoin(EnrollmentEntity, 'e', 'e.id = m.enrollment_id')
      .addSelect(`(${details.sql})`, 'details_visible')
      .where(scope.sql, scope.params)
      .orderBy('m.createdAt', 'ASC')
      .addOrderBy('m.id', 'ASC');
    query.andWhere('m.id = :milestoneId', { milestoneId: where.milestoneId });
    const { entities, raw } = await query.getRawAndEntities<{
      m_id: string;
      details_visible: boolean;
    }>();
    const visible = new Map(raw.map((row) => [row.m_id, row.details_visible === true]));
    return entities.map((milestone) => ({
      milestone,
      detailsVisible: visible.get(milestone.id) ?? false,
    }));
  }

  /**
   * A milestone by id, locked FOR UPDATE (the caller holds its enrollment's lock already:
   * the shared lock order), for a correction or removal of the plan.
   */
  async lockById(id: string): Promise<MilestoneEntity | null> {
    return this.uow.manager
      .getRepository(MilestoneEntity)
      .createQueryBuilder('m')
      .where('m.id = :id', { id })
      .setLock('pessimistic_write')
      .getOne();
  }

  /**
   * A correction of the plan: provider and requirement; `met_at` follows the new requirement
   * (set when the attended sessions now reach it, cleared when they no longer do); the
   * version moves.
   */
  async correct(
    id: string,
    changes: { providerAgencyId: string; requiredSessions: number },
  ): Promise<MilestoneEntity> {
    await this.uow.manager.query(
      `UPDATE milestones
          SET provider_agency_id = $2, required_sessions = $3,
              met_at = CASE WHEN attended_sessions >= $3 THEN coalesce(met_at, now()) END,
              version = version + 1, updated_at = now()
        WHERE id = $1`,
      [id, changes.providerAgencyId, changes.requiredSessions],
    );
    return this.uow.manager.getRepository(MilestoneEntity).findOneByOrFail({ id });
  }

  /**
   * Removes a milestone from the plan. A milestone with any attendance record (voided ones
   * included) is kept by the foreign key: the caller turns that violation into a 409, so run
   * this last in the transaction (the violation aborts it).
   */
  async delete(id: string): Promise<void> {
    await this.uow.manager.query(`DELETE FROM milestones WHERE id = $1`, [id]);
  }

  /** The plan's history: one line per correction or removal, with the reason. */
  async insertChange(change: NewMilestoneChange): Promise<void> {
    await this.uow.manager.query(
      `INSERT INTO milestone_changes (enrollment_id, milestone_id, kind, category,
         provider_agency_id_before, provider_agency_id_after, required_sessions_before,
         required_sessions_after, reason, changed_by)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
      [
        change.enrollmentId,
        change.milestoneId,
        change.kind,
        change.category,
        change.before.providerAgencyId,
        change.after?.providerAgencyId ?? null,
        change.before.requiredSessions,
        change.after?.requiredSessions ?? null,
        change.reason,
        change.changedBy,
      ],
    );
  }

  /**
   * Progress of every milestone of one enrollment; `lockShared` reads them FOR SHARE (in the
   * caller's transaction, after the enrollment's lock) so no attendance write slips in.
   */
  async progressOfEnrollment(
    enrollmentId: string,
    options: { lockShared?: boolean } = {},
  ): Promise<{ attendedSessions: number; requiredSessions: number }[]> {
    const query = this.uow.manager
      .getRepository(MilestoneEntity)
      .createQueryBuilder('m')
      .where('m.enrollment_id = :enrollmentId', { enrollmentId });
    if (options.lockShared) query.setLock('pessimistic_read');
    return query.getMany();
  }

  /** Category and progress of the milestones of these enrollments (the court's queue). */
  async progressOf(enrollmentIds: readonly string[]): Promise<MilestoneProgressRow[]> {
    if (enrollmentIds.length === 0) return [];
    return this.uow.manager.query<MilestoneProgressRow[]>(
      `SELECT ${PROGRESS_COLUMNS} FROM milestones m
        WHERE m.enrollment_id = ANY($1::uuid[]) ORDER BY m.enrollment_id, m.category`,
      [enrollmentIds],
    );
  }

  /**
   * Locks the caller agency's milestones among `milestoneIds` and their enrollments, for an
   * attendance write: enrollments first, then milestones (the shared lock order). `FOR NO KEY
   * UPDATE` (what an UPDATE takes anyway) excludes other writers but not foreign-key checks.
   */
  async lockWritable(
    caller: Caller,
    milestoneIds: readonly string[],
  ): Promise<Map<string, WritableMilestone>> {
    const targets = new Map<string, WritableMilestone>();
    if (milestoneIds.length === 0) return targets;
    const own = attendanceWritableBy(caller, 'm');
    // One statement: rows are locked as they come out of the sort, in id order, and within a
    // row in the order of FROM: the enrollment first, then its milestone. So every writer
    // takes the enrollment before any of its milestones (the shared order); with milestones
    // first, two batches on different milestones of one enrollment deadlocked (each holding
    // one milestone, then waiting: test/attendance-lock-order).
    const rows = await this.uow.manager
      .createQueryBuilder()
      .select(['m.id AS id', 'm.enrollment_id AS enrollment_id', 'm.category AS category'])
      .addSelect('m.met_at IS NOT NULL', 'was_met')
      .addSelect('m.version', 'version')
      .addSelect(['e.status AS status', 'e.start_date AS start_date'])
      .addSelect('e.scheduled_end_date', 'scheduled_end_date')
      // The program's time zone: a scalar read, so only milestones and enrollments are locked.
      .addSelect('(SELECT p.time_zone FROM programs p WHERE p.id = e.program_id)', 'time_zone')
      .from('enrollments', 'e')
      .innerJoin('milestones', 'm', 'm.enrollment_id = e.id')
      .where('m.id = ANY(:milestoneIds)', { milestoneIds })
      .andWhere(own.sql, own.params)
      .orderBy('e.id')
      .addOrderBy('m.id')
      .setLock('for_no_key_update')
      .getRawMany<{
        id: string;
        enrollment_id: string;
        category: ServiceCategory;
        was_met: boolean;
        version: number;
        status: EnrollmentStatus;
        start_date: string;
        scheduled_end_date: string;
        time_zone: string;
      }>();
    for (const row of rows) {
      targets.set(row.id, {
        milestoneId: row.id,
        enrollmentId: row.enrollment_id,
        enrollmentStatus: row.status,
        startDate: row.start_date,
        scheduledEndDate: row.scheduled_end_date,
        timeZone: row.time_zone,
        category: row.category,
        wasMet: row.was_met,
        version: Number(row.version),
      });
    }
    return targets;
  }

  /** A milestone whose session details the caller may read (enrollment scope and details scope). */
  async findDetailsVisible(
    caller: Caller,
    milestoneId: string,
  ): Promise<DetailsVisibleMilestone | undefined> {
    const enrollment = enrollmentVisibleTo(caller, 'e');
    const details = milestoneDetailsVisibleTo(caller, 'm', 'e');
    return this.uow.manager
      .createQueryBuilder()
      .select([
        'm.id AS id',
        'm.enrollment_id AS "enrollmentId"',
        'm.category AS category',
        'm.provider_agency_id AS "providerAgencyId"',
      ])
      .from('milestones', 'm')
      .innerJoin('enrollments', 'e', 'e.id = m.enrollment_id')
      .where('m.id = :milestoneId', { milestoneId })
      .andWhere(enrollment.sql, enrollment.params)
      .andWhere(details.sql, details.params)
      .getRawOne<DetailsVisibleMilestone>();
  }

  /**
   * New attendance records were inserted under the locks of `lockWritable`, in ONE statement
   * whatever the number of milestones: each milestone's counts grow by the records the insert
   * returned for it (`present`: attended; `recorded`: every one, whatever its status);
   * `met_at` is set when the requirement is reached, never cleared (an addition only raises
   * the count); each enrollment's 24-hour stamp becomes the earlier of the stored one and the
   * new records' first moment (inserts can only move it earlier; a void or correction
   * recounts instead). A milestone whose attended sessions grew, and its enrollment, get a
   * new version (ETag); one that only gained absences keeps its version (its view, which
   * shows no recorded count, did not change). `SET x = x + delta` reads the row as locked, so
   * concurrent writers of a milestone queue and add up instead of overwriting. `firstService`
   * names every enrollment of a milestone with `present` added (same records). Returns the
   * milestones whose progress changed.
   */
  async addAttendance(facts: {
    added: readonly { milestoneId: string; present: number; recorded: number }[];
    firstService: readonly { enrollmentId: string; at: Date }[];
  }): Promise<MilestoneProgressRow[]> {
    if (facts.added.length === 0 && facts.firstService.length === 0) return [];
    return this.uow.manager.query<MilestoneProgressRow[]>(
      `WITH progress AS (
         UPDATE milestones m
            SET attended_sessions = m.attended_sessions + c.present,
                recorded_sessions = m.recorded_sessions + c.recorded,
                met_at = CASE WHEN c.present = 0 THEN m.met_at
                              WHEN m.attended_sessions + c.present >= m.required_sessions
                              THEN coalesce(m.met_at, now()) END,
                version = m.version + CASE WHEN c.present > 0 THEN 1 ELSE 0 END,
                updated_at = CASE WHEN c.present > 0 THEN now() ELSE m.updated_at END
           FROM unnest($1::uuid[], $2::integer[], $3::integer[]) AS c (milestone_id, present, recorded)
          WHERE m.id = c.milestone_id AND c.recorded > 0
         RETURNING ${PROGRESS_COLUMNS}, c.present > 0 AS changed),
       touched AS (
         UPDATE enrollments e
            SET first_service_at = least(e.first_service_at, f.at),
                version = e.version + 1,
                updated_at = now()
           FROM unnest($4::uuid[], $5::timestamptz[]) AS f (enrollment_id, at)
          WHERE e.id = f.enrollment_id
         RETURNING e.id)
       SELECT ${PROGRESS_OUTPUT} FROM progress WHERE changed`,
      [
        facts.added.map((c) => c.milestoneId),
        facts.added.map((c) => c.present),
        facts.added.map((c) => c.recorded),
        facts.firstService.map((f) => f.enrollmentId),
        facts.firstService.map((f) => f.at),
      ],
    );
  }

  /**
   * A record stopped or started counting (a correction or a void), in ONE statement over the
   * plan and its enrollments (both owned by this module): both counters set from the exact
   * counts attendance reports for these (locked) milestones (`present`: attended;
   * `recorded`: every record not voided), `met_at` set when the requirement is reached,
   * cleared when a correction undoes it; the enrollments' 24-hour stamp (`firstService`: the
   * moment of each enrollment's first attended session as attendance computed it, null when
   * none is left); and a new version (ETag) for every milestone and enrollment whose view
   * changed (a recorded count alone is not in the view: an absence voided moves no version).
   * Returns the milestones whose progress changed.
   */
  async applyAttendance(facts: {
    counts: readonly { milestoneId: string; present: number; recorded: number }[];
    firstService: readonly { enrollmentId: string; at: Date | null }[];
  }): Promise<MilestoneProgressRow[]> {
    if (facts.counts.length === 0 && facts.firstService.length === 0) {
      return [];
    }
    // `changed` is decided on the row before the update (RETURNING sees the new one); the
    // rows are locked by this transaction (lockWritable), so the read is the current state.
    return this.uow.manager.query<MilestoneProgressRow[]>(
      `WITH counts AS (
         SELECT c.milestone_id, c.present, c.recorded,
                (m.attended_sessions <> c.present
                 OR (m.met_at IS NOT NULL) <> (c.present >= m.required_sessions)) AS changed
           FROM unnest($1::uuid[], $2::integer[], $3::integer[]) AS c (milestone_id, present, recorded)
           JOIN milestones m ON m.id = c.milestone_id),
       progress AS (
         UPDATE milestones m
            SET attended_sessions = c.present,
                recorded_sessions = c.recorded,
                met_at = CASE WHEN c.present >= m.required_sessions THEN coalesce(m.met_at, now()) END,
                version = m.version + CASE WHEN c.changed THEN 1 ELSE 0 END,
                updated_at = CASE WHEN c.changed THEN now() ELSE m.updated_at END
           FROM counts c
          WHERE m.id = c.milestone_id
            AND (c.changed OR m.recorded_sessions <> c.recorded)
         RETURNING ${PROGRESS_COLUMNS}, c.changed),
       first_service AS (
         SELECT * FROM unnest($4::uuid[], $5::timestamptz[]) AS f (enrollment_id, at)),
       touched AS (
         UPDATE enrollments e
            SET first_service_at = CASE
                  WHEN e.id IN (SELECT enrollment_id FROM first_service)
                    THEN (SELECT f.at FROM first_service f WHERE f.enrollment_id = e.id)
                  ELSE e.first_service_at END,
                version = e.version + 1,
                updated_at = now()
          WHERE e.id IN (SELECT "enrollmentId" FROM progress WHERE changed)
             OR EXISTS (SELECT 1 FROM first_service f
                         WHERE f.enrollment_id = e.id AND f.at IS DISTINCT FROM e.first_service_at)
         RETURNING e.id)
       SELECT ${PROGRESS_OUTPUT} FROM progress WHERE changed`,
      [
        facts.counts.map((c) => c.milestoneId),
        facts.counts.map((c) => c.present),
        facts.counts.map((c) => c.recorded),
        facts.firstService.map((f) => f.enrollmentId),
        facts.firstService.map((f) => f.at),
      ],
    );
  }
}
