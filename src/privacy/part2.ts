import type { ServiceCategory } from '../identity/agencies/agency-kind';

/**
 * 42 CFR 2.32(a)(1), "Statement 1" (as amended by the 2024 final rule): the written statement
 * every disclosure of substance use disorder treatment records must carry. Redisclosure by the
 * recipient is forbidden unless the rule allows it.
 */
export const REDISCLOSURE_NOTICE_42_CFR_2_32 =
  'This record which has been disclosed to you is protected by Federal confidentiality rules ' +
  '(42 CFR part 2). These rules prohibit you from using or disclosing this record, or testimony ' +
  'that describes the information contained in this record, in any civil, criminal, ' +
  'administrative, or legislative proceedings by any Federal, State, or local authority, against ' +
  'the patient, unless authorized by the consent of the patient, except as provided at 42 CFR ' +
  '2.12(c)(5) or as authorized by a court in accordance with 42 CFR 2.64 or 2.65. In addition, ' +
  'the Federal rules prohibit you from making any other use or disclosure of this record unless ' +
  'at least one of the following applies: (i) Further use or disclosure is expressly permitted by ' +
  'the written consent of the individual whose information is being disclosed in this record or ' +
  'as otherwise permitted by 42 CFR part 2. (ii) You are a covered entity or business associate ' +
  'and have received the record for treatment, payment, or health care operations, or (iii) You ' +
  'have received the record from a covered entity or business associate as permitted by 45 CFR ' +
  'part 164, subparts A and E. A general authorization for the release of medical or other ' +
  'information is NOT sufficient to meet the required elements of written consent to further use ' +
  'or redisclose the record (see 42 CFR 2.31).';

/** Service categories whose session records fall under 42 CFR Part 2. */
export const PART_2_CATEGORIES: readonly ServiceCategory[] = ['substance_abuse'];

/**
 * The notice a reader of session-level records must receive, or undefined: showing a
 * substance-abuse milestone's records to any agency other than the one delivering the service
 * is a disclosure, and carries the notice. The delivering provider reads its own records.
 */
export function redisclosureNoticeFor(
  category: ServiceCategory,
  providerAgencyId: string,
  readerAgencyId: string,
): string | undefined {
  if (!PART_2_CATEGORIES.includes(category)) return undefined;
  return readerAgencyId === providerAgencyId ? undefined : REDISCLOSURE_NOTICE_42_CFR_2_32;
}
