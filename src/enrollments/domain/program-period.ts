/**
 * The program period: `lengthDays` (a program setting, 70 for First Step) from the start
 * date, pushed back by every extension. Dates are calendar dates (YYYY-MM-DD), computed in
 * UTC so no time zone or DST shift can move a day.
 */
export function addDays(date: string, days: number): string {
  const [year, month, day] = date.split('-').map(Number);
  return new Date(Date.UTC(year, month - 1, day + days)).toISOString().slice(0, 10);
}

export function scheduledEndDate(
  startDate: string,
  lengthDays: number,
  extensionDays: readonly number[] = [],
): string {
  const extra = extensionDays.reduce((sum, days) => sum + days, 0);
  return addDays(startDate, lengthDays + extra);
}

/** Sessions count when they fall on the start date through the scheduled end date, inclusive. */
export function isWithinPeriod(sessionDate: string, startDate: string, endDate: string): boolean {
  return sessionDate >= startDate && sessionDate <= endDate;
}

/** Strict YYYY-MM-DD that names a real calendar day. */
export function isCalendarDate(value: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return false;
  return addDays(value, 0) === value;
}
