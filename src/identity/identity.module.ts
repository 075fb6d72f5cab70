import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { JwtModule } from '@nestjs/jwt';
import { PassportModule } from '@nestjs/passport';
import { ThrottlerModule } from '@nestjs/throttler';
import { AppConfig } from '../common/config/app-config';
import { AccessGuard } from './access/access.guard';
import { CallerRateLimiter } from './access/caller-rate-limit';
import { AgenciesController } from './agencies/agencies.controller';
import { AgenciesRepository } from './agencies/agencies.repository';
import { AgenciesService } from './agencies/agencies.service';
import { ApiClientsController } from './api-clients/api-clients.controller';
import { ApiClientsRepository } from './api-clients/api-clients.repository';
import { ApiClientsService } from './api-clients/api-clients.service';
import { AuthFailuresRepository } from './auth/auth-failures.repository';
import { authThrottling } from './auth/auth-throttling';
import { AuthController } from './auth/auth.controller';
import { AuthService } from './auth/auth.service';
import { JwtStrategy } from './auth/jwt.strategy';
import { LoginLockout } from './auth/login-lockout.service';
import { PasswordHasher } from './auth/password-hasher';
import { PrincipalStatus } from './auth/principal-status';
import { TokenEndpointResponses } from './auth/token-endpoint-responses';
import { TokenIssuer } from './auth/token-issuer.service';
import { BootstrapAdmin } from './bootstrap-admin.service';
import { UsersController } from './users/users.controller';
import { UsersRepository } from './users/users.repository';
import { UsersService } from './users/users.service';

/** Agencies, people, machine clients, sign-in, and the global access guard. */
@Module({
  imports: [
    PassportModule,
    JwtModule.register({}),
    ThrottlerModule.forRootAsync({ inject: [AppConfig], useFactory: authThrottling }),
  ],
  controllers: [AuthController, AgenciesController, UsersController, ApiClientsController],
  providers: [
    CallerRateLimiter,
    { provide: APP_GUARD, useClass: AccessGuard },
    AgenciesRepository,
    UsersRepository,
    ApiClientsRepository,
    AuthFailuresRepository,
    PrincipalStatus,
    JwtStrategy,
    TokenIssuer,
    TokenEndpointResponses,
    PasswordHasher,
    LoginLockout,
    AuthService,
    AgenciesService,
    UsersService,
    ApiClientsService,
    BootstrapAdmin,
  ],
  exports: [AgenciesService, UsersService],
})
export class IdentityModule {}
