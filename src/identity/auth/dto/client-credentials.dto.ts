import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, MaxLength } from 'class-validator';

/** OAuth 2.0 client credentials grant (RFC 6749 4.4); JSON or form-encoded. */
export class ClientCredentialsDto {
  @ApiProperty({ enum: ['client_credentials'] })
  @IsString()
  grant_type!: string;

  @ApiPropertyOptional({ description: 'Or send it with HTTP Basic authentication' })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  client_id?: string;

  @ApiPropertyOptional({ format: 'password' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  client_secret?: string;

  @ApiPropertyOptional({
    description: 'Space-separated subset of the client scopes',
    example: 'attendance:write',
  })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  scope?: string;
}

export class TokenResponseDto {
  @ApiProperty() access_token!: string;
  @ApiProperty({ enum: ['Bearer'] }) token_type!: 'Bearer';
  @ApiProperty() expires_in!: number;
  @ApiProperty({ example: 'attendance:write events:read' }) scope!: string;
}
