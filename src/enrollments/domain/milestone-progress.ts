export type MilestoneStatus = 'not_started' | 'in_progress' | 'met';

/**
 * What a reader without session-level details learns of a milestone: met or not met
 * (PRODUCT.md, "Data that needs care"). `in_progress` would tell it that treatment started.
 */
export type MilestoneOutcome = 'met' | 'not_met';
export const MILESTONE_OUTCOMES: readonly MilestoneOutcome[] = ['met', 'not_met'];

export function milestoneOutcome(
  attendedSessions: number,
  requiredSessions: number,
): MilestoneOutcome {
  return attendedSessions >= requiredSessions ? 'met' : 'not_met';
}
export type AttendanceStatus = 'present' | 'absent' | 'excused';

/** Only attended sessions count toward a milestone. */
export const COUNTS_TOWARD_MILESTONE: Record<AttendanceStatus, boolean> = {
  present: true,
  absent: false,
  excused: false,
};

export function milestoneStatus(
  attendedSessions: number,
  requiredSessions: number,
): MilestoneStatus {
  if (attendedSessions >= requiredSessions) return 'met';
  return attendedSessions > 0 ? 'in_progress' : 'not_started';
}

/** Every milestone of a non-empty plan is met: the enrollment may go to court review. */
export function planIsComplete(
  milestones: readonly { attendedSessions: number; requiredSessions: number }[],
): boolean {
  return (
    milestones.length > 0 &&
    milestones.every((m) => milestoneStatus(m.attendedSessions, m.requiredSessions) === 'met')
  );
}
