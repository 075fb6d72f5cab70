import { REDISCLOSURE_NOTICE_42_CFR_2_32, redisclosureNoticeFor } from './part2';

describe('redisclosureNoticeFor', () => {
  it('gives substance-abuse records shown to another agency the 42 CFR 2.32 notice', () => {
    expect(redisclosureNoticeFor('substance_abuse', 'clinic', 'da')).toBe(
      REDISCLOSURE_NOTICE_42_CFR_2_32,
    );
    expect(REDISCLOSURE_NOTICE_42_CFR_2_32).toMatch(
      /^This record which has been disclosed to you is protected by Federal confidentiality rules \(42 CFR part 2\)\./,
    );
  });

  it('gives none to the delivering provider reading its own records', () => {
    expect(redisclosureNoticeFor('substance_abuse', 'clinic', 'clinic')).toBeUndefined();
  });

  it.each(['mental_health', 'education', 'shelter'] as const)(
    'gives none for %s (not Part 2 records)',
    (category) => {
      expect(redisclosureNoticeFor(category, 'clinic', 'da')).toBeUndefined();
    },
  );
});
