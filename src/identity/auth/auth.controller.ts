import { Body, Controller, Get, HttpCode, Ip, Post, UseFilters, UseGuards } from '@nestjs/common';
import { RouteConfig } from '@nestjs/platform-fastify';
import {
  ApiBadRequestResponse,
  ApiExtension,
  ApiBody,
  ApiConsumes,
  ApiOkResponse,
  ApiOperation,
  ApiSecurity,
  ApiTags,
  ApiTooManyRequestsResponse,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { AnyCaller, Public } from '../access/access-policy.decorators';
import type { Caller } from '../access/caller';
import { CurrentCaller } from '../access/current-caller.decorator';
import { AuthThrottlerGuard } from './auth-throttling';
import { AuthService } from './auth.service';
import { RetryAfterProblemFilter } from './retry-after-problem.filter';
import { BasicClientAuthentication, BasicClientCredentials } from './client-authentication';
import {
  ClientCredentialsDto,
  OAuthErrorDto,
  TokenResponseDto,
} from './dto/client-credentials.dto';
import { OAuthTokenErrorFilter } from './oauth-token-error.filter';
import { OAUTH_TOKEN_ROUTE } from './token-endpoint-responses';
import { LoginDto, LoginResponseDto } from './dto/login.dto';
import { MeDto } from './dto/me.dto';
import { NO_STORE_EXTENSION } from '../../infrastructure/http/openapi-extensions';
import { Audited, NotAudited } from '../../infrastructure/audit-context/audited.decorator';

@ApiTags('auth')
@Controller()
export class AuthController {
  constructor(private readonly auth: AuthService) {}

  @Post('auth/login')
  @Audited({ action: 'auth.login', subject: 'user', id: 'none' })
  @Public()
  @UseGuards(AuthThrottlerGuard)
  @UseFilters(RetryAfterProblemFilter)
  @HttpCode(200)
  @ApiOperation({ summary: 'Sign in with email and password' })
  @ApiOkResponse({ type: LoginResponseDto })
  @ApiUnauthorizedResponse({ description: 'Wrong email or password (same answer for both)' })
  @ApiTooManyRequestsResponse({
    description:
      'Rate limited, or account locked after repeated failures; Retry-After says how many seconds to wait',
  })
  async login(@Body() body: LoginDto): Promise<LoginResponseDto> {
    const issued = await this.auth.login(body.email, body.password);
    return { accessToken: issued.token, tokenType: 'Bearer', expiresIn: issued.expiresIn };
  }

  @Post('auth/token')
  @Audited({ action: 'auth.token_issued', subject: 'api_client', id: 'none' })
  @Public()
  @UseGuards(AuthThrottlerGuard)
  @UseFilters(OAuthTokenErrorFilter)
  @HttpCode(200)
  @RouteConfig(OAUTH_TOKEN_ROUTE)
  @ApiConsumes('application/x-www-form-urlencoded', 'application/json')
  @ApiBody({ type: ClientCredentialsDto })
  @ApiOperation({
    summary: 'OAuth 2.0 client credentials grant for partner systems',
    description:
      'Client authentication with HTTP Basic (RFC 6749 2.3.1) or client_id and client_secret ' +
      'in the body, not both. Errors follow RFC 6749 5.2 (application/json, not problem ' +
      'details); every response carries Cache-Control: no-store.',
  })
  @ApiSecurity({})
  @ApiSecurity('clientBasic')
  @ApiExtension(NO_STORE_EXTENSION, true)
  @ApiOkResponse({ type: TokenResponseDto })
  @ApiBadRequestResponse({
    type: OAuthErrorDto,
    description: 'invalid_request, unsupported_grant_type or invalid_scope',
  })
  @ApiUnauthorizedResponse({
    type: OAuthErrorDto,
    description: 'invalid_client, with WWW-Authenticate: Basic',
  })
  @ApiTooManyRequestsResponse({
    type: OAuthErrorDto,
    description: 'slow_down: rate limited or locked out; wait Retry-After seconds',
  })
  token(
    @Body() body: unknown,
    @BasicClientCredentials() basic: BasicClientAuthentication,
    @Ip() sourceAddress: string,
  ): Promise<TokenResponseDto> {
    return this.auth.clientCredentialsGrant(body, basic, sourceAddress);
  }

  @Get('me')
  @NotAudited('The caller reading its own token claims: no record data')
  @AnyCaller()
  @ApiOperation({ summary: 'Who am I' })
  @ApiOkResponse({ type: MeDto })
  me(@CurrentCaller() caller: Caller): MeDto {
    return caller.kind === 'user'
      ? { id: caller.id, kind: 'user', role: caller.role, agencyId: caller.agencyId }
      : { id: caller.id, kind: 'client', scopes: caller.scopes, agencyId: caller.agencyId };
  }
}
