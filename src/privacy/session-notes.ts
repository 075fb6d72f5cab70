import type { Caller } from '../identity/access/caller';
import type { ServiceCategory } from '../identity/agencies/agency-kind';

/**
 * Categories whose session notes describe treatment (mental health; substance use, 42 CFR
 * Part 2) or where a child sleeps (shelter): the details minimum necessary keeps from anyone
 * who does not deliver or coordinate the care.
 */
const SENSITIVE_NOTES: readonly ServiceCategory[] = ['mental_health', 'substance_abuse', 'shelter'];

/**
 * Whether a reader who may see a milestone's sessions also gets their free-text notes.
 *
 * - Partner systems: shelter notes never (they can name the safe house; the product rule: shelter
 *   addresses are never returned to partner systems), other notes only to the delivering
 *   provider's own system.
 * - Admins run the system and are not treatment staff: no notes of mental health, substance
 *   use or shelter sessions (minimum necessary).
 * - Other people who may see the sessions (the provider, the coordinator, agencies named in an
 *   information-sharing consent) read them.
 */
export function notesDisclosedTo(
  caller: Caller,
  category: ServiceCategory,
  providerAgencyId: string,
): boolean {
  if (caller.kind === 'client') {
    return category !== 'shelter' && caller.agencyId === providerAgencyId;
  }
  if (caller.role === 'admin') return !SENSITIVE_NOTES.includes(category);
  return true;
}
