import { SERVICE_CATEGORIES, type ServiceCategory } from '../../identity/agencies/agency-kind';
import type { OutcomesFigures } from '../outcomes-report.repository';

/** Counts under this are never published; nor is a rate whose numerator or denominator is. */
export const SUPPRESSION_THRESHOLD = 5;

/** Why a cell is not published. */
export type SuppressionReason =
  /** The count itself is under the threshold (`<5` in CSV). */
  | 'small_count'
  /** A count of 5 or more hidden so a suppressed one cannot be worked out by subtraction. */
  | 'complementary'
  /** A rate or median computed from fewer than 5, or from a suppressed count. */
  | 'small_base';

export interface SuppressedCell {
  cell: string;
  reason: SuppressionReason;
}

/** The published report: every figure, or null where suppressed. */
export interface PublishedOutcomes {
  enrolled: number | null;
  pendingConsent: number | null;
  active: number | null;
  pendingCourtReview: number | null;
  completed: number | null;
  withdrawn: number | null;
  terminated: number | null;
  completionRate: number | null;
  medianDaysToCompletion: number | null;
  attendanceRateByCategory: Record<ServiceCategory, number | null>;
  connectedWithin24hRate: number | null;
  sealingNotices: { pending: number | null; acknowledged: number | null; overdue: number | null };
  minorNoticesOverdue: number | null;
  /** Court findings behind part of `completed` and `terminated` (never a status of their own). */
  courtFindings: { substantialCompliance: number | null; unsatisfactory: number | null };
  suppressedCells: SuppressedCell[];
}

/** The enrollment statuses, which add up to `enrolled`. */
const STATUS_CELLS = [
  'pendingConsent',
  'active',
  'pendingCourtReview',
  'completed',
  'withdrawn',
  'terminated',
] as const;
type StatusCell = (typeof STATUS_CELLS)[number];

const small = (n: number) => n < SUPPRESSION_THRESHOLD;
const rate = (numerator: number, denominator: number) =>
  Math.round((numerator / denominator) * 10_000) / 10_000;

/**
 * Small-cell suppression (API.md "Additions", Reports), as a plain function of the exact
 * figures:
 * - a count under 5 is null (`small_count`);
 * - any rate whose numerator or denominator is under 5 is null (`small_base`), and so is the
 *   median days to completion when fewer than 5 enrollments completed;
 * - complementary suppression: the statuses add up to `enrolled`, so when exactly one status
 *   is suppressed, the smallest published one is suppressed too (`complementary`); and the
 *   completion rate (completed / ended) is null whenever completed, withdrawn or terminated
 *   is, since with the other counts it would give the hidden one back.
 */
export function suppressOutcomes(f: OutcomesFigures): PublishedOutcomes {
  const suppressed: SuppressedCell[] = [];
  const count = (cell: string, n: number): number | null => {
    if (!small(n)) return n;
    suppressed.push({ cell, reason: 'small_count' });
    return null;
  };

  const enrolled = count('enrolled', f.enrolled);
  const statuses = Object.fromEntries(
    STATUS_CELLS.map((cell) => [cell, count(cell, f[cell])]),
  ) as Record<StatusCell, number | null>;
  const hidden = STATUS_CELLS.filter((cell) => statuses[cell] === null);
  if (enrolled !== null && hidden.length === 1) {
    const [smallest] = STATUS_CELLS.filter((cell) => statuses[cell] !== null).sort(
      (a, b) => f[a] - f[b] || STATUS_CELLS.indexOf(a) - STATUS_CELLS.indexOf(b),
    );
    statuses[smallest] = null;
    suppressed.push({ cell: smallest, reason: 'complementary' });
  }

  const ended = f.completed + f.withdrawn + f.terminated;
  let completionRate: number | null = null;
  if (
    small(f.completed) ||
    small(ended) ||
    statuses.completed === null ||
    statuses.withdrawn === null ||
    statuses.terminated === null
  ) {
    suppressed.push({ cell: 'completionRate', reason: 'small_base' });
  } else {
    completionRate = rate(f.completed, ended);
  }

  let medianDaysToCompletion: number | null = null;
  if (small(f.completed) || f.medianDaysToCompletion === null) {
    suppressed.push({ cell: 'medianDaysToCompletion', reason: 'small_base' });
  } else {
    medianDaysToCompletion = f.medianDaysToCompletion;
  }

  const attendanceRateByCategory = {} as Record<ServiceCategory, number | null>;
  for (const category of SERVICE_CATEGORIES) {
    const figures = f.attendance.find((a) => a.category === category);
    if (!figures || small(figures.present) || small(figures.recorded)) {
      attendanceRateByCategory[category] = null;
      suppressed.push({ cell: `attendanceRateByCategory.${category}`, reason: 'small_base' });
    } else {
      attendanceRateByCategory[category] = rate(figures.present, figures.recorded);
    }
  }

  let connectedWithin24hRate: number | null = null;
  if (small(f.connectedWithin24h) || small(f.connectionDecided)) {
    suppressed.push({ cell: 'connectedWithin24hRate', reason: 'small_base' });
  } else {
    connectedWithin24hRate = rate(f.connectedWithin24h, f.connectionDecided);
  }

  const sealingNotices = {
    pending: count('sealingNotices.pending', f.noticesPending),
    acknowledged: count('sealingNotices.acknowledged', f.noticesAcknowledged),
    overdue: count('sealingNotices.overdue', f.noticesOverdue),
  };
  const minorNoticesOverdue = count('minorNoticesOverdue', f.minorNoticesOverdue);
  // Subsets of completed and terminated whose other part is never published: nothing to
  // subtract from, so no complementary suppression is needed.
  const courtFindings = {
    substantialCompliance: count(
      'courtFindings.substantialCompliance',
      f.substantialComplianceFindings,
    ),
    unsatisfactory: count('courtFindings.unsatisfactory', f.unsatisfactoryFindings),
  };

  return {
    enrolled,
    ...statuses,
    completionRate,
    medianDaysToCompletion,
    attendanceRateByCategory,
    connectedWithin24hRate,
    sealingNotices,
    minorNoticesOverdue,
    courtFindings,
    suppressedCells: suppressed,
  };
}
