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
import type { BasicClientAuthentication } from './client-authentication';
import type { TokenResponseDto } from './dto/client-credentials.dto';

export function hashClientSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

const INVALID_CREDENTIALS = () =>
  new DomainError('INVALID_CREDENTIALS', 'Email or password is incorrect');
const INVALID_CLIENT = () => new DomainError('INVALID_CLIENT', 'Client authentication failed');

const INVALID_TOKEN_REQUEST = (detail: string) => new DomainError('TOKEN_REQUEST_INVALID', detail);

/** The parameters this endpoint reads, with their longest accepted value. */
const TOKEN_PARAMETERS = { grant_type: 100, client_id: 100, client_secret: 200, scope: 500 };
type TokenParameter = keyof typeof TOKEN_PARAMETERS;

/**
 * The known parameters of a token request body (JSON or form). Unknown ones are ignored, as
 * RFC 6749 3.2 requires; a known one sent twice or not as text is an invalid_request.
 */
function tokenParameters(body: unknown): Partial<Record<TokenParameter, string>> {
  if (body === undefined || body === null) return {};
  if (typeof body !== 'object' || Array.isArray(body)) {
    throw INVALID_TOKEN_REQUEST('The body must hold the token request parameters');
  }
  const parameters: Partial<Record<TokenParameter, string>> = {};
  for (const [name, maxLength] of Object.entries(TOKEN_PARAMETERS) as [TokenParameter, number][]) {
    const value = (body as Record<string, unknown>)[name];
    if (value === undefined) continue;
    if (typeof value !== 'string' || value.length > maxLength) {
      throw INVALID_TOKEN_REQUEST(
        `${name} must be sent once, as text of at most ${maxLength} characters`,
      );
    }
    parameters[name] = value;
  }
  return parameters;
}

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

  /** The OAuth 2.0 client credentials grant: a token for a partner system. */
  async clientCredentialsGrant(
    body: unknown,
    basic: BasicClientAuthentication,
    sourceAddress: string,
  ): Promise<TokenResponseDto> {
    const parameters = tokenParameters(body);
    if (!parameters.grant_type) throw INVALID_TOKEN_REQUEST('grant_type is required');
    if (parameters.grant_type !== 'client_credentials') {
      throw new DomainError('UNSUPPORTED_GRANT_TYPE', 'Only client_credentials is supported');
    }
    const { clientId, clientSecret } = this.clientCredentialsOf(parameters, basic);
    // Per client *and* source address: failures from elsewhere, by someone who does not hold
    // the secret, never lock the partner system out (see accountTracker).
    const accountKey = `client:${clientId}@${sourceAddress}`;
    await this.lockout.assertNotLocked(accountKey);
    const client = await this.clients.findActiveWithSecretHashes(clientId);
    const presented = Buffer.from(hashClientSecret(clientSecret), 'hex');
    const matches = (hash: string | null) =>
      hash !== null && timingSafeEqual(presented, Buffer.from(hash, 'hex'));
    // The previous secret works only while a rotation's overlap lasts (null afterwards).
    const valid =
      client !== null && (matches(client.secretHash) || matches(client.previousSecretHash));
    this.auditContext.setSubject(client?.id ?? null);
    if (!client || !valid) {
      await this.lockout.recordFailure(accountKey);
      throw INVALID_CLIENT();
    }
    this.auditContext.setActor({ kind: 'client', id: client.id, agencyId: client.agencyId });
    await this.lockout.recordSuccess(accountKey);
    const scopes = this.grantedScopes(client.scopes, parameters.scope);
    const issued = await this.tokens.forClient(client, scopes);
    return {
      access_token: issued.token,
      token_type: 'Bearer',
      expires_in: issued.expiresIn,
      scope: scopes.join(' '),
    };
  }

  /**
   * One authentication method per request (RFC 6749 2.3): HTTP Basic, or client_id and
   * client_secret in the body. A client_id repeated in the body must name the same client.
   */
  private clientCredentialsOf(
    parameters: Partial<Record<TokenParameter, string>>,
    basic: BasicClientAuthentication,
  ): { clientId: string; clientSecret: string } {
    const { client_id: bodyClientId, client_secret: bodyClientSecret } = parameters;
    if (basic.kind === 'malformed') throw INVALID_CLIENT();
    if (basic.kind === 'basic') {
      if (bodyClientSecret !== undefined || (bodyClientId ?? basic.clientId) !== basic.clientId) {
        throw INVALID_TOKEN_REQUEST(
          'Authenticate with HTTP Basic or with client_id and client_secret in the body, not both',
        );
      }
      if (!basic.clientId || !basic.clientSecret) throw INVALID_CLIENT();
      return { clientId: basic.clientId, clientSecret: basic.clientSecret };
    }
    if (!bodyClientId || !bodyClientSecret) throw INVALID_CLIENT();
    return { clientId: bodyClientId, clientSecret: bodyClientSecret };
  }

  private grantedScopes(allowed: Scope[], requested: string | undefined): Scope[] {
    if (!requested?.trim()) return allowed;
    const asked = [...new Set(requested.trim().split(/\s+/))];
    const unknownOrNotGranted = asked.filter(
      (scope) =>
        !(SCOPES as readonly string[]).includes(scope) || !allowed.includes(scope as Scope),
    );
    if (unknownOrNotGranted.length > 0) {
      throw new DomainError('INVALID_SCOPE', 'A requested scope is not granted to this client');
    }
    return asked as Scope[];
  }
}
