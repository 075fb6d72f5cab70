import type { Role, Scope } from './roles-and-scopes';

/**
 * Who is calling, as proven by the access token. Every service method that reads or writes
 * agency data takes a Caller, and every query filters by it.
 */
export interface Caller {
  id: string;
  kind: 'user' | 'client';
  agencyId: string;
  /** Set for users. */
  role?: Role;
  /** Set for clients: the scopes granted in this token. */
  scopes: Scope[];
}

export const isUser = (caller: Caller, ...roles: Role[]): boolean =>
  caller.kind === 'user' && caller.role !== undefined && roles.includes(caller.role);
