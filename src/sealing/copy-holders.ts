/** What the sealing needs to know about the record it seals. */
export interface SealedArrestRecord {
  id: string;
  arrestingAgencyId: string;
  /** The coordinator's agency that registered the record in this system. */
  ownerAgencyId: string;
}

/**
 * The agencies that hold a copy of an arrest record and must each get a sealing notice
 * (WIC 786.5: every copy is sealed, and each holder confirms it).
 *
 * - The arresting agency, ALWAYS and first: it made the record, and the law tells it to seal.
 * - Every agency that took the record's data out of this system (`recipients`, from
 *   arrest_record_disclosures, written by the arrest-record read path): another agency's
 *   people who opened it (e.g. a court clerk during review), and any agency's machine clients
 *   that pulled it, the registering agency's own case system included. The registering
 *   agency's people reading it inside this system make no copy: this system is sealed by
 *   the very transaction that creates the notices.
 *
 * - Never the court that ordered the sealing (`orderingCourtAgencyId`): its clerks read the
 *   record to decide, but it holds the order, not a copy, and a notice to it could never be
 *   acknowledged by anyone, so the minor's 30-day clock (which starts once every notice is
 *   acknowledged) would never start.
 *
 * The result has no duplicates, so each agency gets exactly one notice (the schema's
 * UNIQUE (arrest_record_id, agency_id) says the same).
 */
export function agenciesHoldingCopies(
  arrestRecord: SealedArrestRecord,
  recipients: readonly string[] = [],
  orderingCourtAgencyId?: string,
): string[] {
  return [
    ...new Set([
      arrestRecord.arrestingAgencyId,
      ...recipients.filter((agencyId) => agencyId !== orderingCourtAgencyId),
    ]),
  ];
}
