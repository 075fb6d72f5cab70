import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { OAUTH_TOKEN_ERRORS, type OAuthTokenError } from '../oauth-token-error.filter';

/**
 * OAuth 2.0 client credentials grant (RFC 6749 4.4.2), JSON or form-encoded. For the OpenAPI
 * document only: the service reads the parameters itself, because RFC 6749 3.2 requires
 * unknown parameters to be ignored, where every other route refuses them.
 */
export class ClientCredentialsDto {
  @ApiProperty({ enum: ['client_credentials'] })
  grant_type!: string;

  @ApiPropertyOptional({ description: 'Or send it with HTTP Basic authentication', maxLength: 100 })
  client_id?: string;

  @ApiPropertyOptional({ format: 'password', maxLength: 200 })
  client_secret?: string;

  @ApiPropertyOptional({
    description: 'Space-separated subset of the client scopes',
    example: 'attendance:write',
    maxLength: 500,
  })
  scope?: string;
}

export class TokenResponseDto {
  @ApiProperty() access_token!: string;
  @ApiProperty({ enum: ['Bearer'] }) token_type!: 'Bearer';
  @ApiProperty({ type: 'integer' }) expires_in!: number;
  @ApiProperty({ example: 'attendance:write events:read' }) scope!: string;
}

/** An error of the token endpoint (RFC 6749 5.2), `application/json`, never a problem document. */
export class OAuthErrorDto {
  @ApiProperty({ enum: OAUTH_TOKEN_ERRORS }) error!: OAuthTokenError;
  @ApiPropertyOptional({ description: 'Human-readable, ASCII' }) error_description?: string;
}
