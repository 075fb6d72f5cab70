import { decide, DeclaredPolicy, isDeclared } from './access-policy';
import type { Caller } from './caller';

const policy = (declared: Partial<DeclaredPolicy>): DeclaredPolicy => ({
  isPublic: false,
  anyCaller: false,
  ...declared,
});

const user = (role: Caller['role']): Caller => ({
  id: 'u-1',
  kind: 'user',
  agencyId: 'a-1',
  role,
  scopes: [],
});

const client = (...scopes: Caller['scopes']): Caller => ({
  id: 'c-1',
  kind: 'client',
  agencyId: 'a-1',
  scopes,
});

describe('decide', () => {
  describe('users', () => {
    it('allows a user whose role is listed', () => {
      expect(decide(policy({ roles: ['admin', 'coordinator'] }), user('coordinator'))).toBe(
        'allow',
      );
    });

    it('denies a user whose role is not listed', () => {
      expect(decide(policy({ roles: ['admin'] }), user('provider'))).toBe('deny');
    });

    it('denies a user on a route that declares only scopes', () => {
      expect(decide(policy({ scopes: ['events:read'] }), user('admin'))).toBe('deny');
    });

    it('denies a user token without a role', () => {
      expect(decide(policy({ roles: ['admin'] }), user(undefined))).toBe('deny');
    });

    it('denies everyone on an empty role list', () => {
      expect(decide(policy({ roles: [] }), user('admin'))).toBe('deny');
    });
  });

  describe('clients', () => {
    it('allows a client holding every required scope', () => {
      const decision = decide(
        policy({ scopes: ['events:read', 'webhooks:manage'] }),
        client('webhooks:manage', 'events:read', 'participants:read'),
      );
      expect(decision).toBe('allow');
    });

    it('denies a client missing one of the required scopes', () => {
      expect(
        decide(policy({ scopes: ['events:read', 'webhooks:manage'] }), client('events:read')),
      ).toBe('deny');
    });

    it('denies a client on a route that declares only roles, whatever its scopes', () => {
      expect(decide(policy({ roles: ['admin'] }), client('events:read', 'webhooks:manage'))).toBe(
        'deny',
      );
    });

    it('denies a client with no scopes on a scoped route', () => {
      expect(decide(policy({ scopes: ['sealing:ack'] }), client())).toBe('deny');
    });

    it('uses scopes, not roles, for clients when a route declares both', () => {
      const both = policy({ roles: ['coordinator'], scopes: ['participants:read'] });
      expect(decide(both, client('participants:read'))).toBe('allow');
      expect(decide(both, client('events:read'))).toBe('deny');
      expect(decide(both, user('coordinator'))).toBe('allow');
      expect(decide(both, user('provider'))).toBe('deny');
    });
  });

  describe('any caller', () => {
    it('allows every authenticated user and client', () => {
      const any = policy({ anyCaller: true });
      expect(decide(any, user('auditor'))).toBe('allow');
      expect(decide(any, client())).toBe('allow');
    });
  });

  describe('undeclared', () => {
    it('reports a route with no policy as undeclared, for users and clients alike', () => {
      expect(decide(policy({}), user('admin'))).toBe('undeclared');
      expect(decide(policy({}), client('events:read'))).toBe('undeclared');
    });
  });
});

describe('isDeclared', () => {
  it('accepts each kind of declaration', () => {
    expect(isDeclared(policy({ isPublic: true }))).toBe(true);
    expect(isDeclared(policy({ anyCaller: true }))).toBe(true);
    expect(isDeclared(policy({ roles: ['admin'] }))).toBe(true);
    expect(isDeclared(policy({ scopes: ['events:read'] }))).toBe(true);
  });

  it('rejects a route that declares nothing', () => {
    expect(isDeclared(policy({}))).toBe(false);
  });
});
