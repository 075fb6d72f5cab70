import { addDays, isCalendarDate, isWithinPeriod, scheduledEndDate } from './program-period';

describe('program period', () => {
  it('ends 70 days after the start for a 70-day program', () => {
    expect(scheduledEndDate('2026-03-02', 70)).toBe('2026-05-11');
    expect(scheduledEndDate('2026-01-01', 70)).toBe('2026-03-12');
  });

  it('reads the length from the program, not a literal', () => {
    expect(scheduledEndDate('2026-01-01', 90)).toBe('2026-04-01');
    expect(scheduledEndDate('2026-01-01', 1)).toBe('2026-01-02');
  });

  it('adds up every extension', () => {
    expect(scheduledEndDate('2026-03-02', 70, [])).toBe('2026-05-11');
    expect(scheduledEndDate('2026-03-02', 70, [14])).toBe('2026-05-25');
    expect(scheduledEndDate('2026-03-02', 70, [14, 7, 1])).toBe('2026-06-02');
    // The order of extensions does not matter.
    expect(scheduledEndDate('2026-03-02', 70, [1, 7, 14])).toBe(
      scheduledEndDate('2026-03-02', 70, [14, 7, 1]),
    );
  });

  it('handles leap years and month ends', () => {
    expect(addDays('2024-02-28', 1)).toBe('2024-02-29');
    expect(addDays('2024-02-29', 1)).toBe('2024-03-01');
    expect(addDays('2025-02-28', 1)).toBe('2025-03-01');
    expect(addDays('2024-01-31', 1)).toBe('2024-02-01');
    expect(addDays('2026-12-31', 1)).toBe('2027-01-01');
    expect(scheduledEndDate('2023-12-31', 70)).toBe('2024-03-10'); // through 29 Feb 2024
    expect(scheduledEndDate('2024-12-31', 70)).toBe('2025-03-11'); // no 29 Feb 2025
  });

  it('is not moved by daylight saving changes', () => {
    // US DST starts 2026-03-08 and ends 2026-11-01; calendar arithmetic ignores both.
    expect(addDays('2026-03-07', 1)).toBe('2026-03-08');
    expect(addDays('2026-03-08', 1)).toBe('2026-03-09');
    expect(addDays('2026-10-31', 2)).toBe('2026-11-02');
  });

  it('counts sessions from the start to the scheduled end, both inclusive', () => {
    expect(isWithinPeriod('2026-03-02', '2026-03-02', '2026-05-11')).toBe(true);
    expect(isWithinPeriod('2026-05-11', '2026-03-02', '2026-05-11')).toBe(true);
    expect(isWithinPeriod('2026-04-01', '2026-03-02', '2026-05-11')).toBe(true);
    expect(isWithinPeriod('2026-03-01', '2026-03-02', '2026-05-11')).toBe(false);
    expect(isWithinPeriod('2026-05-12', '2026-03-02', '2026-05-11')).toBe(false);
  });

  it('accepts real calendar dates only', () => {
    expect(isCalendarDate('2024-02-29')).toBe(true);
    expect(isCalendarDate('2025-02-29')).toBe(false);
    expect(isCalendarDate('2026-04-31')).toBe(false);
    expect(isCalendarDate('2026-13-01')).toBe(false);
    expect(isCalendarDate('2026-3-1')).toBe(false);
    expect(isCalendarDate('2026-03-01T00:00:00Z')).toBe(false);
  });
});
