/**
 * The statutory clocks of sealing on completion of diversion, in one place.
 *
 * California Welfare and Institutions Code 786.5(b) (and Rule of Court 5.850): when the court
 * confirms satisfactory completion, the arresting law-enforcement agency is told to seal its
 * records and must seal and confirm within 60 days; once that is confirmed, the minor must be
 * told in writing within 30 days.
 *
 * Periods are counted in whole days of 24 hours from the instant that starts them, both here
 * and in SQL (`statutoryDeadlineSql`), so the database and the code always agree on a deadline.
 */
export const SEALING_NOTICE_PERIOD_DAYS = 60;
export const MINOR_NOTIFICATION_PERIOD_DAYS = 30;

const DAY_MS = 24 * 60 * 60 * 1000;

function plusDays(from: Date, days: number): Date {
  return new Date(from.getTime() + days * DAY_MS);
}

/** When the notified agency must have sealed its copy and acknowledged: 60 days after the notice. */
export function sealingNoticeDueAt(createdAt: Date): Date {
  return plusDays(createdAt, SEALING_NOTICE_PERIOD_DAYS);
}

/** A notice is overdue while it is still pending after its due time. */
export function isSealingNoticeOverdue(
  notice: { status: 'pending' | 'acknowledged'; dueAt: Date },
  now: Date,
): boolean {
  return notice.status === 'pending' && now.getTime() > notice.dueAt.getTime();
}

/**
 * The minor's written notice is due 30 days after the LAST acknowledgement: the sealing is
 * confirmed only once every notified agency has confirmed it. Null while any notice is still
 * pending, or when there are no notices (nothing was sealed).
 */
export function minorNotificationDueAt(
  notices: readonly { status: 'pending' | 'acknowledged'; acknowledgedAt: Date | null }[],
): Date | null {
  if (notices.length === 0) return null;
  let last = 0;
  for (const notice of notices) {
    if (notice.status !== 'acknowledged' || !notice.acknowledgedAt) return null;
    last = Math.max(last, notice.acknowledgedAt.getTime());
  }
  return plusDays(new Date(last), MINOR_NOTIFICATION_PERIOD_DAYS);
}

/** Overdue while the minor has not been told and the due time has passed. */
export function isMinorNotificationOverdue(
  dueAt: Date | null,
  minorNotifiedAt: Date | null,
  now: Date,
): boolean {
  return dueAt !== null && minorNotifiedAt === null && now.getTime() > dueAt.getTime();
}

/**
 * SQL for "`from` plus `days` statutory days", counted in hours so that the session's time
 * zone (daylight saving) can never move a deadline: the same arithmetic as `plusDays`.
 */
export function statutoryDeadlineSql(from: string, daysParam: string): string {
  return `(${from} + make_interval(hours => 24 * ${daysParam}))`;
}
