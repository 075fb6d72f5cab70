import { Injectable } from '@nestjs/common';
import type { Caller } from '../../identity/access/caller';
import {
  DetailsVisibleMilestone,
  MilestoneProgressRow,
  MilestonesRepository,
  WritableMilestone,
} from './milestones.repository';

/**
 * What the attendance module may do to an enrollment's plan: lock the milestones it writes
 * to, and report what its records now say. Attendance never writes `milestones` or
 * `enrollments` itself; the plan turns its facts into progress, the 24-hour stamp and new
 * versions (ETags) here, in the caller's transaction.
 */
@Injectable()
export class PlanProgress {
  constructor(private readonly milestones: MilestonesRepository) {}

  /** The caller agency's milestones among these, and their enrollments, locked for the write. */
  lockWritable(
    caller: Caller,
    milestoneIds: readonly string[],
  ): Promise<Map<string, WritableMilestone>> {
    return this.milestones.lockWritable(caller, milestoneIds);
  }

  /** A milestone whose session records the caller may read, or undefined. */
  findDetailsVisible(
    caller: Caller,
    milestoneId: string,
  ): Promise<DetailsVisibleMilestone | undefined> {
    return this.milestones.findDetailsVisible(caller, milestoneId);
  }

  /**
   * New records were inserted under the locks of `lockWritable`: `added` is, per milestone,
   * how many of them are `present` and how many were recorded in all (from the rows the
   * insert returned, so a skipped re-send adds nothing); `firstService`, per enrollment with one, the earliest moment among
   * them. Progress grows by that delta, without recounting the milestone's attendance, so a
   * write costs the same however much attendance is stored. Returns the milestones whose
   * progress changed.
   */
  async attendanceAdded(facts: {
    added: readonly { milestoneId: string; present: number; recorded: number }[];
    firstService: readonly { enrollmentId: string; at: Date }[];
  }): Promise<MilestoneProgressRow[]> {
    return this.milestones.addAttendance(facts);
  }

  /**
   * Attendance changed (a correction or a void) under the locks of `lockWritable`: progress
   * follows the exact counts (`present`, and `recorded`: every record not voided);
   * `firstService` gives, for each enrollment whose attended sessions changed, when
   * its first attended session took place (the 24-hour rule), or null when none is left.
   * Every enrollment whose view changed gets a new version. Returns the milestones whose
   * progress changed.
   */
  async attendanceChanged(facts: {
    counts: readonly { milestoneId: string; present: number; recorded: number }[];
    firstService: readonly { enrollmentId: string; at: Date | null }[];
  }): Promise<MilestoneProgressRow[]> {
    return this.milestones.applyAttendance(facts);
  }
}
