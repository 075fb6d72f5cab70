/** The program serves minors only: under this age on the date of the referral. */
export const AGE_OF_MAJORITY = 18;

/** Age in whole years on `onDate` (both YYYY-MM-DD); a birthday counts from its own day. */
export function ageOn(dateOfBirth: string, onDate: string): number {
  const [by, bm, bd] = dateOfBirth.split('-').map(Number);
  const [y, m, d] = onDate.split('-').map(Number);
  const hadBirthday = m > bm || (m === bm && d >= bd);
  return y - by - (hadBirthday ? 0 : 1);
}

export function isMinorOn(dateOfBirth: string, onDate: string): boolean {
  return ageOn(dateOfBirth, onDate) < AGE_OF_MAJORITY;
}
