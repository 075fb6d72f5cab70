import type { Caller } from '../identity/access/caller';

/**
 * Who reads, by what their work needs (HIPAA minimum necessary): every presenter takes an
 * Audience rather than re-deriving it from roles, so one table decides what each class of
 * reader is shown.
 *
 * - `program`: coordinators and admins running the case (every field of the case record);
 * - `care`: providers delivering a service (what they need to deliver it);
 * - `court`: court staff and other overseers (identity, decisions);
 * - `partner`: machine clients of partner agencies (ids and statuses, the least).
 */
export type Audience = 'program' | 'care' | 'court' | 'partner';

export function audienceOf(caller: Caller): Audience {
  if (caller.kind === 'client') return 'partner';
  switch (caller.role) {
    case 'admin':
    case 'coordinator':
      return 'program';
    case 'provider':
      return 'care';
    default:
      return 'court';
  }
}
