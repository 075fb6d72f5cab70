import type { ErrorCode } from '../../common/errors/error-catalog';
import type { EnrollmentStatus } from '../../enrollments/domain/enrollment-status';
import { isWithinPeriod } from '../../enrollments/domain/program-period';
import type { AttendanceStatus } from '../../enrollments/domain/milestone-progress';

/** One attendance record a provider wants written (a single POST is a batch of one). */
export interface AttendanceCandidate {
  /** Position in the request (0 for a single POST). */
  index: number;
  milestoneId: string;
  sessionDate: string;
  /** ISO 8601 with offset, when the provider gave the session's start. */
  sessionStartedAt: string | null;
  status: AttendanceStatus;
  durationMinutes: number | null;
  notes: string | null;
  externalId: string | null;
}

/** The milestone a record is written to, with its enrollment, read under lock. */
export interface AttendanceTarget {
  milestoneId: string;
  enrollmentId: string;
  enrollmentStatus: EnrollmentStatus;
  startDate: string;
  scheduledEndDate: string;
  /** The program's IANA time zone, in which session dates are read. */
  timeZone: string;
}

/** A record already stored under one of the caller agency's externalIds. */
export interface ExistingExternalId {
  id: string;
  milestoneId: string;
}

export interface AttendanceRejection {
  index: number;
  code: ErrorCode;
  detail: string;
}

export type DuplicateOf = { kind: 'stored'; id: string } | { kind: 'batch'; index: number };

export interface AttendanceDuplicate {
  index: number;
  externalId: string;
  milestoneId: string;
  of: DuplicateOf;
}

export interface AttendancePlan {
  accepted: { candidate: AttendanceCandidate; target: AttendanceTarget }[];
  duplicates: AttendanceDuplicate[];
  rejected: AttendanceRejection[];
}

/**
 * The rules one record must meet to be written: an `active` enrollment, and a session on a
 * day of the program period (start through scheduled end, extensions included) that is not
 * in the future. `today` is the current UTC date: UTC is ahead of every US time zone, so a
 * provider's own "today" is never refused.
 */
export function attendanceViolation(
  sessionDate: string,
  target: AttendanceTarget,
  today: string,
  session: { startedAt: string | null; now: Date } = { startedAt: null, now: new Date() },
): Omit<AttendanceRejection, 'index'> | null {
  if (target.enrollmentStatus !== 'active') {
    return {
      code: 'ENROLLMENT_NOT_ACTIVE',
      detail: `The enrollment is ${target.enrollmentStatus}; only active enrollments accept attendance`,
    };
  }
  if (!isWithinPeriod(sessionDate, target.startDate, target.scheduledEndDate)) {
    return {
      code: 'ATTENDANCE_OUTSIDE_PERIOD',
      detail: `sessionDate must lie between ${target.startDate} and ${target.scheduledEndDate}`,
    };
  }
  if (sessionDate > today) {
    return { code: 'ATTENDANCE_SESSION_IN_FUTURE', detail: 'sessionDate must not be after today' };
  }
  if (session.startedAt !== null) {
    const startedAt = new Date(session.startedAt);
    if (startedAt.getTime() > session.now.getTime() + START_CLOCK_SKEW_MS) {
      return {
        code: 'ATTENDANCE_SESSION_IN_FUTURE',
        detail: 'sessionStartedAt must not be in the future',
      };
    }
    const localDate = calendarDateIn(startedAt, target.timeZone);
    if (localDate !== sessionDate) {
      return {
        code: 'ATTENDANCE_SESSION_START_MISMATCH',
        detail: `sessionStartedAt is on ${localDate} in ${target.timeZone}, not on sessionDate ${sessionDate}`,
      };
    }
  }
  return null;
}

/** Clocks of providers' systems drift: a start up to five minutes ahead of ours is accepted. */
export const START_CLOCK_SKEW_MS = 5 * 60 * 1000;

/** The calendar date (`YYYY-MM-DD`) of an instant in an IANA time zone. */
export function calendarDateIn(instant: Date, timeZone: string): string {
  // en-CA formats dates as YYYY-MM-DD.
  return new Intl.DateTimeFormat('en-CA', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).format(instant);
}

/**
 * Decides, record by record and in request order, what a write does: accept, recognise a
 * re-send (same externalId, same milestone: a duplicate that writes nothing), or reject with
 * the rule broken. Checks run in the order the single POST reports them: an unknown (or
 * another agency's) milestone, then externalId reuse, then the enrollment and date rules, so
 * a re-send is answered as a duplicate even after the enrollment has closed.
 *
 * `targets` holds only milestones the caller's agency delivers; `stored` the caller agency's
 * existing records by externalId.
 */
export function planAttendance(
  candidates: readonly AttendanceCandidate[],
  targets: ReadonlyMap<string, AttendanceTarget>,
  stored: ReadonlyMap<string, ExistingExternalId>,
  today: string,
  now: Date = new Date(),
): AttendancePlan {
  const plan: AttendancePlan = { accepted: [], duplicates: [], rejected: [] };
  const acceptedByExternalId = new Map<string, AttendanceCandidate>();
  for (const candidate of candidates) {
    const { index, externalId, milestoneId } = candidate;
    const target = targets.get(milestoneId);
    if (!target) {
      plan.rejected.push({ index, code: 'NOT_FOUND', detail: 'Milestone not found' });
      continue;
    }
    if (externalId !== null) {
      const before = stored.get(externalId);
      const earlier = acceptedByExternalId.get(externalId);
      const ownerMilestoneId = before?.milestoneId ?? earlier?.milestoneId;
      if (ownerMilestoneId !== undefined && ownerMilestoneId !== milestoneId) {
        plan.rejected.push({
          index,
          code: 'ATTENDANCE_EXTERNAL_ID_CONFLICT',
          detail: 'This externalId is already used for a different milestone',
        });
        continue;
      }
      if (before) {
        plan.duplicates.push({
          index,
          externalId,
          milestoneId,
          of: { kind: 'stored', id: before.id },
        });
        continue;
      }
      if (earlier) {
        plan.duplicates.push({
          index,
          externalId,
          milestoneId,
          of: { kind: 'batch', index: earlier.index },
        });
        continue;
      }
    }
    const violation = attendanceViolation(candidate.sessionDate, target, today, {
      startedAt: candidate.sessionStartedAt,
      now,
    });
    if (violation) {
      plan.rejected.push({ index, ...violation });
      continue;
    }
    plan.accepted.push({ candidate, target });
    if (externalId !== null) acceptedByExternalId.set(externalId, candidate);
  }
  return plan;
}

/** Today's date in UTC, `YYYY-MM-DD`. */
export function utcToday(now: Date = new Date()): string {
  return now.toISOString().slice(0, 10);
}
