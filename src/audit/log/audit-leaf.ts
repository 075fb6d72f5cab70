/**
 * The bytes of an audit entry that the log commits to: its leaf in the Merkle tree is
 * SHA-256(0x00 || these bytes) (RFC 9162 section 2.1.1). Anyone holding an entry as
 * `GET /audit-events` returns it can rebuild them, so an inclusion proof can be checked
 * without trusting the server: UTF-8 JSON of this fixed array, no spaces,
 *
 *   [id, at, actorKind, actorId, actorAgencyId, action, subjectType, subjectId, outcome,
 *    purpose, requestId]
 *
 * with `at` in UTC at microsecond precision (`2026-11-29T12:00:00.123456Z`) and null for an
 * absent value. Changing this function changes every leaf: never do it in place.
 */
export interface AuditLeafFields {
  id: string;
  at: string;
  actorKind: string;
  actorId: string | null;
  actorAgencyId: string | null;
  action: string;
  subjectType: string;
  subjectId: string | null;
  outcome: string;
  purpose: string | null;
  requestId: string | null;
}

export function auditLeafData(entry: AuditLeafFields): Buffer {
  return Buffer.from(
    JSON.stringify([
      entry.id,
      entry.at,
      entry.actorKind,
      entry.actorId,
      entry.actorAgencyId,
      entry.action,
      entry.subjectType,
      entry.subjectId,
      entry.outcome,
      entry.purpose,
      entry.requestId,
    ]),
    'utf8',
  );
}
