import type { Caller } from '../../identity/access/caller';
import { notesDisclosedTo } from './notes-disclosure';

const person: Caller = { id: 'u', kind: 'user', role: 'coordinator', agencyId: 'da', scopes: [] };
const system = (agencyId: string): Caller => ({ id: 'c', kind: 'client', agencyId, scopes: [] });

describe('notesDisclosedTo', () => {
  it('lets people of entitled agencies read notes', () => {
    expect(notesDisclosedTo(person, 'shelter', 'ngo')).toBe(true);
  });
  it('never gives shelter notes to a partner system, even the shelter’s own', () => {
    expect(notesDisclosedTo(system('ngo'), 'shelter', 'ngo')).toBe(false);
  });
  it('gives other notes only to the delivering provider’s own system', () => {
    expect(notesDisclosedTo(system('clinic'), 'mental_health', 'clinic')).toBe(true);
    expect(notesDisclosedTo(system('da'), 'mental_health', 'clinic')).toBe(false);
  });
});
