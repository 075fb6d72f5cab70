/**
 * Coordinators' work lists (`GET /enrollments?view=`), as named rules. Each is a filter on
 * the caller's own enrollments (the ordinary scope), evaluated by the database against its
 * clock and the program's time zone (enrollments.repository.ts `workListPredicate`):
 *
 * - `ending_soon`: active, the scheduled end within `withinDays` days from today, and some
 *   milestone of the plan not met (or no plan yet): what must happen before time runs out;
 * - `stalled`: active for more than `STALLED_AFTER_DAYS` days with no attended (`present`)
 *   session dated within the last `STALLED_AFTER_DAYS` days;
 * - `ready_for_review`: active, a plan with at least one milestone, every milestone met: can be
 *   submitted for court review now;
 * - `minor_notice_due`: completed, every sealing notice acknowledged (so the minor's 30-day
 *   written-notice clock runs), and the minor not yet told: due or overdue.
 */
export const WORK_LISTS = [
  'ending_soon',
  'stalled',
  'ready_for_review',
  'minor_notice_due',
] as const;
export type WorkList = (typeof WORK_LISTS)[number];

/** No attended session for this many days makes an active enrollment stalled. */
export const STALLED_AFTER_DAYS = 14;

/** `ending_soon` looks this many days ahead unless `withinDays` says otherwise. */
export const ENDING_SOON_DEFAULT_DAYS = 14;
export const ENDING_SOON_MAX_DAYS = 90;
