import type { Caller } from '../identity/access/caller';
import { audienceOf } from './audience';

const user = (role: Caller['role']): Caller => ({
  id: 'u',
  kind: 'user',
  role,
  agencyId: 'a',
  scopes: [],
});

describe('audienceOf', () => {
  it.each([
    ['admin', 'program'],
    ['coordinator', 'program'],
    ['provider', 'care'],
    ['court', 'court'],
    ['auditor', 'court'],
  ] as const)('reads a %s as %s', (role, audience) => {
    expect(audienceOf(user(role))).toBe(audience);
  });

  it('reads every machine client as a partner, whatever its scopes', () => {
    expect(
      audienceOf({ id: 'c', kind: 'client', agencyId: 'a', scopes: ['participants:read'] }),
    ).toBe('partner');
  });
});
