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
 * - Every other agency that received the record's data (`recipients`, from
 *   arrest_record_disclosures, written by the arrest-record read path: e.g. a court whose
 *   clerk opened the record during review). Events and webhooks carry ids only, so they
 *   disclose nothing that would make their receivers copy holders.
 * - Never the owning agency: its copy IS this system of record, sealed by the very
 *   transaction that creates the notices, so there is nothing for it to acknowledge.
 *
 * The result has no duplicates, so each agency gets exactly one notice (the schema's
 * UNIQUE (arrest_record_id, agency_id) says the same).
 */
export function agenciesHoldingCopies(
  arrestRecord: SealedArrestRecord,
  recipients: readonly string[] = [],
): string[] {
  const agencies = [arrestRecord.arrestingAgencyId];
  for (const agencyId of recipients) {
    if (agencyId !== arrestRecord.ownerAgencyId && !agencies.includes(agencyId)) {
      agencies.push(agencyId);
    }
  }
  return agencies;
}
