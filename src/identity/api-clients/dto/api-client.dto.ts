import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import {
  ArrayMinSize,
  ArrayUnique,
  IsArray,
  IsIn,
  IsString,
  IsUUID,
  Length,
} from 'class-validator';
import { SCOPES, type Scope } from '../../access/roles-and-scopes';
import type { ApiClientEntity } from '../api-client.entity';

/** Surrounding spaces are not part of a name; a name of only spaces is then empty, a 400. */
const trim = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value);

export class CreateApiClientDto {
  @ApiProperty({ example: 'LASD records system' })
  @Transform(trim)
  @IsString()
  @Length(1, 200)
  name!: string;

  @ApiProperty({ format: 'uuid' })
  @IsUUID()
  agencyId!: string;

  @ApiProperty({ enum: SCOPES, isArray: true })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayUnique()
  @IsIn(SCOPES, { each: true })
  scopes!: Scope[];
}

export class CreatedApiClientDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ format: 'uuid' }) agencyId!: string;
  @ApiProperty({ description: 'Send as client_id' }) clientId!: string;
  @ApiPropertyOptional({
    description:
      'Shown once; only a hash is stored. Absent when an Idempotency-Key replay answers the stored response',
  })
  clientSecret!: string;
  @ApiProperty({ enum: SCOPES, isArray: true }) scopes!: Scope[];
}

/** A machine client as the API shows it: never a secret or a hash of one. */
export class ApiClientDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ format: 'uuid' }) agencyId!: string;
  @ApiProperty({ description: 'Sent as client_id' }) clientId!: string;
  @ApiProperty({ enum: SCOPES, isArray: true }) scopes!: Scope[];
  @ApiProperty() revoked!: boolean;
  @ApiProperty({ type: 'string', format: 'date-time', nullable: true }) revokedAt!: string | null;
  @ApiProperty({ type: 'string', format: 'date-time', nullable: true })
  secretRotatedAt!: string | null;
  @ApiProperty({
    type: 'string',
    format: 'date-time',

    nullable: true,
    description: 'Until then the secret before the last rotation still works',
  })
  previousSecretExpiresAt!: string | null;
  @ApiProperty({ type: 'string', format: 'date-time' }) createdAt!: string;

  static from(client: ApiClientEntity): ApiClientDto {
    const iso = (date: Date | null) => date?.toISOString() ?? null;
    return {
      id: client.id,
      name: client.name,
      agencyId: client.agencyId,
      clientId: client.clientId,
      scopes: client.scopes,
      revoked: client.revokedAt !== null,
      revokedAt: iso(client.revokedAt),
      secretRotatedAt: iso(client.secretRotatedAt),
      previousSecretExpiresAt: iso(client.previousSecretExpiresAt),
      createdAt: client.createdAt.toISOString(),
    };
  }
}

/** The answer to a rotation: the new secret, shown once. */
export class RotatedSecretDto extends ApiClientDto {
  @ApiPropertyOptional({
    description:
      'Shown once; only a hash is stored. Absent when an Idempotency-Key replay answers the stored response',
  })
  clientSecret!: string;
}
