import type { Caller } from '../identity/access/caller';
import { notesDisclosedTo } from './session-notes';

const person = (role: Caller['role'], agencyId = 'da'): Caller => ({
  id: 'u',
  kind: 'user',
  role,
  agencyId,
  scopes: [],
});
const system = (agencyId: string): Caller => ({ id: 'c', kind: 'client', agencyId, scopes: [] });

describe('notesDisclosedTo', () => {
  it('lets people who may see the sessions read their notes', () => {
    expect(notesDisclosedTo(person('coordinator'), 'shelter', 'ngo')).toBe(true);
    expect(notesDisclosedTo(person('provider', 'ngo'), 'shelter', 'ngo')).toBe(true);
  });
  it('never gives shelter notes to a partner system, even the shelter’s own', () => {
    expect(notesDisclosedTo(system('ngo'), 'shelter', 'ngo')).toBe(false);
  });
  it('gives other notes only to the delivering provider’s own system', () => {
    expect(notesDisclosedTo(system('clinic'), 'mental_health', 'clinic')).toBe(true);
    expect(notesDisclosedTo(system('da'), 'mental_health', 'clinic')).toBe(false);
  });
  it.each(['mental_health', 'substance_abuse', 'shelter'] as const)(
    'keeps %s notes from admins (they run the system, they are not treatment staff)',
    (category) => {
      expect(notesDisclosedTo(person('admin', 'system'), category, 'clinic')).toBe(false);
    },
  );
  it('lets admins read education notes', () => {
    expect(notesDisclosedTo(person('admin', 'system'), 'education', 'school')).toBe(true);
  });
});
