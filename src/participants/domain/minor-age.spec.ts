import { ageOn, isMinorOn } from './minor-age';

describe('ageOn', () => {
  it('counts whole years, a birthday counting from its own day', () => {
    expect(ageOn('2008-06-15', '2026-06-14')).toBe(17);
    expect(ageOn('2008-06-15', '2026-06-15')).toBe(18);
    expect(ageOn('2008-06-15', '2026-06-16')).toBe(18);
  });

  it('handles a birthday later in the year and earlier months', () => {
    expect(ageOn('2010-12-31', '2026-01-01')).toBe(15);
    expect(ageOn('2010-01-01', '2026-12-31')).toBe(16);
  });

  it('treats 29 February as reached on 1 March in common years', () => {
    expect(ageOn('2008-02-29', '2026-02-28')).toBe(17);
    expect(ageOn('2008-02-29', '2026-03-01')).toBe(18);
  });
});

describe('isMinorOn', () => {
  it('is true up to the day before the 18th birthday and false from it', () => {
    expect(isMinorOn('2008-06-15', '2026-06-14')).toBe(true);
    expect(isMinorOn('2008-06-15', '2026-06-15')).toBe(false);
  });

  it('judges the age on the given date, not today', () => {
    // 17 on the date of an arrest two years ago, 19 today.
    expect(isMinorOn('2007-03-01', '2025-02-28')).toBe(true);
    expect(isMinorOn('2007-03-01', '2026-03-02')).toBe(false);
  });
});
