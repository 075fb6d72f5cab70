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

/**
 * The years of any date the service accepts. A date far outside them is a typo or a probe,
 * never a session, a start or an arrest; a start in 9999 overflowed the program period's end
 * and answered 500.
 */
export const FIRST_ACCEPTED_YEAR = 1900;
export const LAST_ACCEPTED_YEAR = 2199;

/** Strict YYYY-MM-DD that names a real calendar day between 1900 and 2199. */
export function isCalendarDate(value: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return false;
  const year = Number(value.slice(0, 4));
  if (year < FIRST_ACCEPTED_YEAR || year > LAST_ACCEPTED_YEAR) return false;
  return addDays(value, 0) === value;
}
