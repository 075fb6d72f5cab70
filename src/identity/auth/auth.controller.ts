import { Body, Controller, Get, Headers, HttpCode, Post, UseGuards } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiConsumes,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiTooManyRequestsResponse,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { ThrottlerGuard } from '@nestjs/throttler';
import { DomainError } from '../../common/errors/domain-error';
import { AnyCaller, Public } from '../access/access-policy.decorators';
import type { Caller } from '../access/caller';
import { CurrentCaller } from '../access/current-caller.decorator';
import { AuthService } from './auth.service';
import { ClientCredentialsDto, TokenResponseDto } from './dto/client-credentials.dto';
import { LoginDto, LoginResponseDto } from './dto/login.dto';
import { MeDto } from './dto/me.dto';
import { Audited, NotAudited } from '../../infrastructure/audit-context/audited.decorator';

/** Credentials from an `Authorization: Basic` header (RFC 6749 2.3.1), if sent. */
function basicCredentials(header: string | undefined): { id?: string; secret?: string } {
  if (!header?.startsWith('Basic ')) return {};
  const decoded = Buffer.from(header.slice(6), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return {};
  try {
    return {
      id: decodeURIComponent(decoded.slice(0, colon)),
      secret: decodeURIComponent(decoded.slice(colon + 1)),
    };
  } catch {
    // Malformed percent-encoding: no credentials, so the answer is invalid_client, not a 500.
    return {};
  }
}

@ApiTags('auth')
@Controller()
export class AuthController {
  constructor(private readonly auth: AuthService) {}

  @Post('auth/login')
  @Audited({ action: 'auth.login', subject: 'user', id: 'none' })
  @Public()
  @UseGuards(ThrottlerGuard)
  @HttpCode(200)
  @ApiOperation({ summary: 'Sign in with email and password' })
  @ApiOkResponse({ type: LoginResponseDto })
  @ApiUnauthorizedResponse({ description: 'Wrong email or password (same answer for both)' })
  @ApiTooManyRequestsResponse({
    description: 'Rate limited, or account locked after repeated failures',
  })
  async login(@Body() body: LoginDto): Promise<LoginResponseDto> {
    const issued = await this.auth.login(body.email, body.password);
    return { accessToken: issued.token, tokenType: 'Bearer', expiresIn: issued.expiresIn };
  }

  @Post('auth/token')
  @Audited({ action: 'auth.token_issued', subject: 'api_client', id: 'none' })
  @Public()
  @UseGuards(ThrottlerGuard)
  @HttpCode(200)
  @ApiConsumes('application/json', 'application/x-www-form-urlencoded')
  @ApiOperation({ summary: 'OAuth 2.0 client credentials grant for partner systems' })
  @ApiOkResponse({ type: TokenResponseDto })
  @ApiUnauthorizedResponse({ description: '{ error: "invalid_client" }' })
  @ApiBadRequestResponse({
    description: 'unsupported_grant_type, invalid_scope or invalid_request',
  })
  async token(
    @Body() body: ClientCredentialsDto,
    @Headers('authorization') authorization?: string,
  ): Promise<TokenResponseDto> {
    if (body.grant_type !== 'client_credentials') {
      throw new DomainError(
        'UNSUPPORTED_GRANT_TYPE',
        'Only client_credentials is supported',
        undefined,
        {
          error: 'unsupported_grant_type',
        },
      );
    }
    const basic = basicCredentials(authorization);
    const issued = await this.auth.clientCredentials(
      body.client_id ?? basic.id,
      body.client_secret ?? basic.secret,
      body.scope,
    );
    return {
      access_token: issued.token,
      token_type: 'Bearer',
      expires_in: issued.expiresIn,
      scope: issued.scopes.join(' '),
    };
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
