import type { Caller } from './caller';
import type { Role, Scope } from './roles-and-scopes';

export interface DeclaredPolicy {
  isPublic: boolean;
  anyCaller: boolean;
  roles?: Role[];
  scopes?: Scope[];
}

export type PolicyDecision = 'allow' | 'deny' | 'undeclared';

/**
 * Deny by default: a route must declare who may call it. Users pass on role, clients on
 * scopes; a route that declares only roles is closed to clients, and the reverse.
 */
export function decide(policy: DeclaredPolicy, caller: Caller): PolicyDecision {
  if (policy.anyCaller) return 'allow';
  if (!policy.roles && !policy.scopes) return 'undeclared';
  if (caller.kind === 'user') {
    return caller.role && policy.roles?.includes(caller.role) ? 'allow' : 'deny';
  }
  const required = policy.scopes;
  return required && required.every((scope) => caller.scopes.includes(scope)) ? 'allow' : 'deny';
}

export function isDeclared(policy: DeclaredPolicy): boolean {
  return policy.isPublic || policy.anyCaller || !!policy.roles || !!policy.scopes;
}
