import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsIn, IsString, IsUUID, Length, ValidateBy, ValidateIf } from 'class-validator';
import { SERVICE_CATEGORIES, type ServiceCategory } from '../../identity/agencies/agency-kind';
import { CONSENT_KINDS, ConsentEntity, type ConsentKind } from '../consent.entity';
import { IsTimestampWithOffset } from './date-validators';

const trim = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value);

const isInformationSharing = (body: object) =>
  (body as RecordConsentDto).kind === 'information_sharing';

/** serviceCategory, recipientAgencyId and expiresAt describe information-sharing consents only. */
function OnlyForInformationSharing(): PropertyDecorator {
  return ValidateBy({
    name: 'onlyForInformationSharing',
    validator: {
      validate: (value: unknown, args) =>
        value === undefined || (args !== undefined && isInformationSharing(args.object)),
      defaultMessage: (args) =>
        `${args?.property ?? 'value'} applies to information_sharing consents only`,
    },
  });
}

export class RecordConsentDto {
  @ApiProperty({ enum: CONSENT_KINDS })
  @IsIn(CONSENT_KINDS)
  kind!: ConsentKind;

  @ApiProperty({ example: 'Maria Lopez', description: 'Who signed (the minor, or the guardian)' })
  @Transform(trim)
  @IsString()
  @Length(1, 200)
  signedBy!: string;

  @ApiProperty({ format: 'date-time' })
  @IsTimestampWithOffset()
  signedAt!: string;

  @ApiPropertyOptional({
    enum: SERVICE_CATEGORIES,
    description: 'Required for information_sharing: the service whose records may be shared',
  })
  @ValidateIf(
    (body: RecordConsentDto) => isInformationSharing(body) || body.serviceCategory !== undefined,
  )
  @IsIn(SERVICE_CATEGORIES)
  @OnlyForInformationSharing()
  serviceCategory?: ServiceCategory;

  @ApiPropertyOptional({
    format: 'uuid',
    description: 'Required for information_sharing: the agency that may receive the records',
  })
  @ValidateIf(
    (body: RecordConsentDto) => isInformationSharing(body) || body.recipientAgencyId !== undefined,
  )
  @IsUUID()
  @OnlyForInformationSharing()
  recipientAgencyId?: string;

  @ApiPropertyOptional({
    format: 'date-time',
    description: 'information_sharing only; after signedAt',
  })
  @ValidateIf((body: RecordConsentDto) => body.expiresAt !== undefined)
  @IsTimestampWithOffset()
  @OnlyForInformationSharing()
  expiresAt?: string;
}

export class RevokeConsentDto {
  @ApiProperty({ example: 'The participant asked to leave the program' })
  @Transform(trim)
  @IsString()
  @Length(1, 1000)
  reason!: string;
}

export class ConsentDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) enrollmentId!: string;
  @ApiProperty({ enum: CONSENT_KINDS }) kind!: ConsentKind;
  @ApiProperty() signedBy!: string;
  @ApiProperty({ format: 'date-time' }) signedAt!: string;
  @ApiProperty({ enum: SERVICE_CATEGORIES, nullable: true })
  serviceCategory!: ServiceCategory | null;
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) recipientAgencyId!: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) expiresAt!: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) revokedAt!: string | null;
  @ApiProperty({ type: String, nullable: true }) revokeReason!: string | null;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;

  static from(consent: ConsentEntity): ConsentDto {
    return {
      id: consent.id,
      enrollmentId: consent.enrollmentId,
      kind: consent.kind,
      signedBy: consent.signedBy,
      signedAt: consent.signedAt.toISOString(),
      serviceCategory: consent.serviceCategory,
      recipientAgencyId: consent.recipientAgencyId,
      expiresAt: consent.expiresAt ? consent.expiresAt.toISOString() : null,
      revokedAt: consent.revokedAt ? consent.revokedAt.toISOString() : null,
      revokeReason: consent.revokeReason,
      createdAt: consent.createdAt.toISOString(),
    };
  }
}
