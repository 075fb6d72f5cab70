import type { Caller } from '../../identity/access/caller';
import type { ServiceCategory } from '../../identity/agencies/agency-kind';

/**
 * Session notes are free text written by the provider: for a shelter they can name where the
 * child stays. Partner systems never receive shelter locations, so no machine client gets
 * shelter notes, and other agencies' systems get no notes at all (people of entitled
 * agencies still read them in this system).
 */
export function notesDisclosedTo(
  caller: Caller,
  category: ServiceCategory,
  providerAgencyId: string,
): boolean {
  if (caller.kind === 'user') return true;
  return category !== 'shelter' && caller.agencyId === providerAgencyId;
}
