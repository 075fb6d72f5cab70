import { CanActivate, ExecutionContext, Injectable, Logger } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthGuard } from '@nestjs/passport';
import { DomainError } from '../../common/errors/domain-error';
import { DeniedRequests } from '../../infrastructure/audit-context/denied-requests';
import { ANY_CALLER_KEY, PUBLIC_KEY, ROLES_KEY, SCOPES_KEY } from './access-policy.decorators';
import { decide, DeclaredPolicy } from './access-policy';
import type { Caller } from './caller';
import { CallerRateLimiter } from './caller-rate-limit';
import type { Role, Scope } from './roles-and-scopes';

export function readPolicy(
  reflector: Reflector,
  targets: Parameters<Reflector['getAllAndOverride']>[1],
): DeclaredPolicy {
  return {
    isPublic: reflector.getAllAndOverride<boolean>(PUBLIC_KEY, targets) ?? false,
    anyCaller: reflector.getAllAndOverride<boolean>(ANY_CALLER_KEY, targets) ?? false,
    roles: reflector.getAllAndOverride<Role[] | undefined>(ROLES_KEY, targets),
    scopes: reflector.getAllAndOverride<Scope[] | undefined>(SCOPES_KEY, targets),
  };
}

/**
 * The global guard: authenticates the bearer token (passport-jwt) unless the route is
 * public, then applies the route's declared policy and the caller's rate limit
 * (CallerRateLimiter). Routes without a policy are refused.
 * Every refusal is on the audit trail before it is answered.
 */
@Injectable()
export class AccessGuard extends AuthGuard('jwt') implements CanActivate {
  private readonly logger = new Logger(AccessGuard.name);

  constructor(
    private readonly reflector: Reflector,
    private readonly deniedRequests: DeniedRequests,
    private readonly rateLimiter: CallerRateLimiter,
  ) {
    super();
  }

  override async canActivate(context: ExecutionContext): Promise<boolean> {
    const policy = readPolicy(this.reflector, [context.getHandler(), context.getClass()]);
    if (policy.isPublic) return true;
    try {
      await (super.canActivate(context) as Promise<boolean>);
    } catch (error) {
      await this.deniedRequests.record(context, undefined);
      throw error;
    }
    const caller = context.switchToHttp().getRequest<{ user: Caller }>().user;
    const decision = decide(policy, caller);
    if (decision === 'undeclared') {
      this.logger.error(
        `route ${context.getClass().name}.${context.getHandler().name} declares no access policy`,
      );
    }
    if (decision !== 'allow') {
      await this.deniedRequests.record(context, caller);
      throw new DomainError('FORBIDDEN', 'Your role or scopes do not allow this operation');
    }
    const limited = this.rateLimiter.take(caller);
    if (limited) {
      await this.deniedRequests.record(context, caller);
      throw new DomainError('TOO_MANY_REQUESTS', 'Too many requests; slow down', undefined, {
        retryAfterSeconds: limited.retryAfterSeconds,
      });
    }
    return true;
  }

  /**
   * passport's hook: any failure (missing, forged, expired, wrong alg, disabled or revoked
   * principal) is one plain 401; only "cannot check now" (503) passes through.
   */
  override handleRequest<T>(error: unknown, caller: T): T {
    if (error instanceof DomainError && error.code === 'SERVICE_UNAVAILABLE') throw error;
    if (error || !caller)
      throw new DomainError('UNAUTHENTICATED', 'A valid bearer token is required');
    return caller;
  }
}
