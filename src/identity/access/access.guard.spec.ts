import type { ExecutionContext } from '@nestjs/common';
import { Logger } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { JwtService } from '@nestjs/jwt';
import { AppConfig } from '../../common/config/app-config';
import { DomainError } from '../../common/errors/domain-error';
import { DeniedCaller, DeniedRequests } from '../../infrastructure/audit-context/denied-requests';
import { JwtStrategy } from '../auth/jwt.strategy';
import type { PrincipalStatus } from '../auth/principal-status';
import { AnyCaller, Public, Roles, Scopes } from './access-policy.decorators';
import { AccessGuard, readPolicy } from './access.guard';
import type { CallerRateLimiter } from './caller-rate-limit';

const unlimited = { take: () => null } as unknown as CallerRateLimiter;
import type { Caller } from './caller';

const SECRET = 'unit-test-secret-that-is-at-least-32-characters';
const config = AppConfig.fromEnvironment({
  NODE_ENV: 'test',
  JWT_SECRET: SECRET,
  WEBHOOK_SECRET_KEY: Buffer.alloc(32, 7).toString('base64'),
});
const AGENCY = '9b4f3a52-2d4b-4a51-9d0c-7f1f2d5b8a01';
const SUBJECT = '0f8e1c3a-5b7d-4e2f-8a9c-1d3e5f7a9b0c';

class ExampleController {
  @Public() health() {}
  @Roles('admin') createAgency() {}
  @Roles('coordinator', 'admin') listParticipants() {}
  @Scopes('events:read', 'webhooks:manage') manageWebhooks() {}
  @AnyCaller() me() {}
  forgotten() {}
}

@Roles('auditor')
class AuditController {
  readTrail() {}
  @Roles('admin') purge() {}
}

type Handler = keyof ExampleController | keyof AuditController;

function contextFor(
  controller: typeof ExampleController | typeof AuditController,
  handler: Handler,
  authorization?: string,
): { context: ExecutionContext; request: { headers: Record<string, string>; user?: Caller } } {
  const request: { headers: Record<string, string>; user?: Caller } = {
    headers: authorization ? { authorization } : {},
  };
  const method = (controller.prototype as unknown as Record<string, () => void>)[handler];
  const context = {
    getClass: () => controller,
    getHandler: () => method,
    getType: () => 'http',
    getArgs: () => [request, {}, () => undefined],
    getArgByIndex: (index: number) => [request, {}, () => undefined][index],
    switchToHttp: () => ({
      getRequest: () => request,
      getResponse: () => ({}),
      getNext: () => () => undefined,
    }),
    switchToRpc: () => {
      throw new Error('not rpc');
    },
    switchToWs: () => {
      throw new Error('not ws');
    },
  } as unknown as ExecutionContext;
  return { context, request };
}

const jwt = new JwtService();
const sign = (claims: object, secret = SECRET) =>
  `Bearer ${jwt.sign(claims, {
    secret,
    algorithm: 'HS256',
    issuer: config.jwt.issuer,
    audience: config.jwt.audience,
    expiresIn: 60,
  })}`;
const userToken = (role: string) =>
  sign({ sub: SUBJECT, kind: 'user', role, agencyId: AGENCY, ver: 1 });
const clientToken = (...scopes: string[]) =>
  sign({ sub: SUBJECT, kind: 'client', scopes, agencyId: AGENCY, ver: 1 });

/** What the guard reported to the audit trail, in order: 'anonymous' or the caller's id. */
class RecordedDenials extends DeniedRequests {
  readonly seen: string[] = [];
  record(_context: ExecutionContext, caller: DeniedCaller | undefined): Promise<void> {
    this.seen.push(caller ? caller.id : 'anonymous');
    return Promise.resolve();
  }
}
let denials = new RecordedDenials();

/** The error code the guard threw, or 'allowed'. */
async function outcome(
  controller: typeof ExampleController | typeof AuditController,
  handler: Handler,
  authorization?: string,
): Promise<string> {
  const guard = new AccessGuard(new Reflector(), denials, unlimited);
  const { context } = contextFor(controller, handler, authorization);
  try {
    return (await guard.canActivate(context)) ? 'allowed' : 'refused';
  } catch (error) {
    if (error instanceof DomainError) return error.code;
    throw error;
  }
}

describe('AccessGuard', () => {
  beforeAll(() => {
    // Registers the 'jwt' strategy with passport, as the app module does.
    new JwtStrategy(config, { accepts: () => Promise.resolve(true) } as unknown as PrincipalStatus);
    jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
  });
  afterAll(() => jest.restoreAllMocks());
  beforeEach(() => (denials = new RecordedDenials()));

  it('reports every refusal to the audit trail before answering, and nothing else', async () => {
    await outcome(ExampleController, 'me');
    await outcome(ExampleController, 'createAgency', userToken('coordinator'));
    await outcome(ExampleController, 'createAgency', userToken('admin'));
    await outcome(ExampleController, 'health');
    expect(denials.seen).toEqual(['anonymous', SUBJECT]);
  });

  it('lets anyone call a public route, with or without a token', async () => {
    expect(await outcome(ExampleController, 'health')).toBe('allowed');
    expect(await outcome(ExampleController, 'health', 'Bearer garbage')).toBe('allowed');
  });

  it('answers UNAUTHENTICATED without a token or with a bad one', async () => {
    expect(await outcome(ExampleController, 'me')).toBe('UNAUTHENTICATED');
    expect(await outcome(ExampleController, 'me', 'Bearer garbage')).toBe('UNAUTHENTICATED');
    expect(
      await outcome(
        ExampleController,
        'me',
        sign({ sub: SUBJECT, kind: 'user', role: 'admin', agencyId: AGENCY }, 'x'.repeat(40)),
      ),
    ).toBe('UNAUTHENTICATED');
  });

  it('sets the caller on the request from the token claims', async () => {
    const guard = new AccessGuard(new Reflector(), denials, unlimited);
    const { context, request } = contextFor(ExampleController, 'me', clientToken('events:read'));
    await expect(guard.canActivate(context)).resolves.toBe(true);
    expect(request.user).toEqual({
      id: SUBJECT,
      kind: 'client',
      agencyId: AGENCY,
      role: undefined,
      scopes: ['events:read'],
    });
  });

  it('allows listed roles and forbids the others', async () => {
    expect(await outcome(ExampleController, 'createAgency', userToken('admin'))).toBe('allowed');
    expect(await outcome(ExampleController, 'createAgency', userToken('coordinator'))).toBe(
      'FORBIDDEN',
    );
    expect(await outcome(ExampleController, 'listParticipants', userToken('coordinator'))).toBe(
      'allowed',
    );
    expect(await outcome(ExampleController, 'listParticipants', userToken('provider'))).toBe(
      'FORBIDDEN',
    );
  });

  it('keeps clients off role routes and people off scope routes', async () => {
    expect(
      await outcome(
        ExampleController,
        'createAgency',
        clientToken('events:read', 'webhooks:manage'),
      ),
    ).toBe('FORBIDDEN');
    expect(await outcome(ExampleController, 'manageWebhooks', userToken('admin'))).toBe(
      'FORBIDDEN',
    );
  });

  it('requires every declared scope', async () => {
    expect(
      await outcome(
        ExampleController,
        'manageWebhooks',
        clientToken('events:read', 'webhooks:manage'),
      ),
    ).toBe('allowed');
    expect(await outcome(ExampleController, 'manageWebhooks', clientToken('events:read'))).toBe(
      'FORBIDDEN',
    );
  });

  it('refuses a route that declares no policy, even to an admin, and logs it', async () => {
    const logged = jest.spyOn(Logger.prototype, 'error');
    logged.mockClear();
    expect(await outcome(ExampleController, 'forgotten', userToken('admin'))).toBe('FORBIDDEN');
    expect(logged).toHaveBeenCalledWith(expect.stringContaining('ExampleController.forgotten'));
  });

  it('applies a controller-level policy, and lets a method override it', async () => {
    expect(await outcome(AuditController, 'readTrail', userToken('auditor'))).toBe('allowed');
    expect(await outcome(AuditController, 'readTrail', userToken('admin'))).toBe('FORBIDDEN');
    expect(await outcome(AuditController, 'purge', userToken('admin'))).toBe('allowed');
    expect(await outcome(AuditController, 'purge', userToken('auditor'))).toBe('FORBIDDEN');
  });
});

describe('readPolicy', () => {
  it('reads what the decorators declared', () => {
    const reflector = new Reflector();
    const read = (handler: keyof ExampleController) =>
      readPolicy(reflector, [ExampleController.prototype[handler], ExampleController]);
    expect(read('health')).toMatchObject({ isPublic: true, anyCaller: false });
    expect(read('createAgency')).toMatchObject({ isPublic: false, roles: ['admin'] });
    expect(read('manageWebhooks')).toMatchObject({ scopes: ['events:read', 'webhooks:manage'] });
    expect(read('me')).toMatchObject({ anyCaller: true });
    expect(read('forgotten')).toEqual({
      isPublic: false,
      anyCaller: false,
      roles: undefined,
      scopes: undefined,
    });
  });
});
