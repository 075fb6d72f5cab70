import type { AuditActor } from '../infrastructure/audit-context/audit-context';

export type AuditOutcome = 'success' | 'denied';

/** An entry as a request writes it; the database adds its id, time and commit position. */
export interface NewAuditEntry {
  actor: AuditActor;
  action: string;
  subjectType: string;
  subjectId: string | null;
  outcome: AuditOutcome;
  purpose: string | null;
  requestId: string | null;
}

export const SYSTEM_ACTOR: AuditActor = { kind: 'system', id: null, agencyId: null };
export const ANONYMOUS_ACTOR: AuditActor = { kind: 'anonymous', id: null, agencyId: null };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const PURPOSE_MAX_LENGTH = 500;

/**
 * A subject id as the trail may store it. A refused request can carry anything in its path
 * (the guard runs before the UUID pipe): what is not a UUID is recorded as no subject, so one
 * attacker's garbage never fails the write of other requests' entries batched with it.
 */
export function storableSubjectId(value: unknown): string | null {
  return typeof value === 'string' && UUID.test(value) ? value.toLowerCase() : null;
}

/** A stated purpose, bounded and stripped of control characters (it is free text from a header). */
export function storablePurpose(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  // eslint-disable-next-line no-control-regex
  const cleaned = value.replace(/[\u0000-\u001f\u007f]/g, ' ').trim();
  return cleaned ? cleaned.slice(0, PURPOSE_MAX_LENGTH) : null;
}
