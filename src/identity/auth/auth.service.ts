import { Injectable } from '@nestjs/common';
import { createHash, timingSafeEqual } from 'node:crypto';
import { DomainError } from '../../common/errors/domain-error';
import { AuditContext } from '../../infrastructure/audit-context/audit-context';
import { SCOPES, type Scope } from '../access/roles-and-scopes';
import { ApiClientsRepository } from '../api-clients/api-clients.repository';
import { UsersRepository } from '../users/users.repository';
import { LoginLockout } from './login-lockout.service';
import { PasswordHasher } from './password-hasher';
import { IssuedToken, TokenIssuer } from './token-issuer.service';

export function hashClientSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

const INVALID_CREDENTIALS = () =>
  new DomainError('INVALID_CREDENTIALS', 'Email or password is incorrect');
const INVALID_CLIENT = () =>
  new DomainError('INVALID_CLIENT', 'Client authentication failed', undefined, {
    error: 'invalid_client',
  });

/** Sign-in for people (email + password) and machine clients (client credentials). */
@Injectable()
export class AuthService {
  constructor(
    private readonly users: UsersRepository,
    private readonly clients: ApiClientsRepository,
    private readonly hasher: PasswordHasher,
    private readonly lockout: LoginLockout,
    private readonly tokens: TokenIssuer,
    private readonly auditContext: AuditContext,
  ) {}

  /**
   * Same answer, and about the same time, for an unknown email and a wrong password. The
   * audit entry names the account when there is one, never the email typed.
   */
  async login(email: string, password: string): Promise<IssuedToken> {
    const normalised = email.trim().toLowerCase();
    const accountKey = `user:${normalised}`;
    await this.lockout.assertNotLocked(accountKey);
    const user = await this.users.findEnabledWithPasswordHash(normalised);
    const valid = user
      ? await this.hasher.verify(user.passwordHash, password)
      : await this.hasher.verifyAgainstNothing(password);
    this.auditContext.setSubject(user?.id ?? null);
    if (!user || !valid) {
      await this.lockout.recordFailure(accountKey);
      throw INVALID_CREDENTIALS();
    }
    this.auditContext.setActor({ kind: 'user', id: user.id, agencyId: user.agencyId });
    await this.lockout.recordSuccess(accountKey);
    return this.tokens.forUser(user);
  }

  async clientCredentials(
    clientId: string | undefined,
    clientSecret: string | undefined,
    requestedScope: string | undefined,
  ): Promise<IssuedToken & { scopes: Scope[] }> {
    if (!clientId || !clientSecret) throw INVALID_CLIENT();
    const accountKey = `client:${clientId}`;
    await this.lockout.assertNotLocked(accountKey);
    const client = await this.clients.findActiveWithSecretHash(clientId);
    const presented = Buffer.from(hashClientSecret(clientSecret), 'hex');
    const valid =
      client !== null && timingSafeEqual(presented, Buffer.from(client.secretHash, 'hex'));
    this.auditContext.setSubject(client?.id ?? null);
    if (!client || !valid) {
      await this.lockout.recordFailure(accountKey);
      throw INVALID_CLIENT();
    }
    this.auditContext.setActor({ kind: 'client', id: client.id, agencyId: client.agencyId });
    await this.lockout.recordSuccess(accountKey);
    const scopes = this.grantedScopes(client.scopes, requestedScope);
    return { ...(await this.tokens.forClient(client, scopes)), scopes };
  }

  private grantedScopes(allowed: Scope[], requested: string | undefined): Scope[] {
    if (!requested?.trim()) return allowed;
    const asked = [...new Set(requested.trim().split(/\s+/))];
    const unknownOrNotGranted = asked.filter(
      (scope) =>
        !(SCOPES as readonly string[]).includes(scope) || !allowed.includes(scope as Scope),
    );
    if (unknownOrNotGranted.length > 0) {
      throw new DomainError(
        'INVALID_SCOPE',
        'A requested scope is not granted to this client',
        undefined,
        {
          error: 'invalid_scope',
        },
      );
    }
    return asked as Scope[];
  }
}
