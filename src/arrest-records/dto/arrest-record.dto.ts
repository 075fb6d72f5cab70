import { ApiProperty, ApiPropertyOptional, ApiSchema } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsIn,
  IsISO8601,
  IsObject,
  IsOptional,
  IsString,
  IsUUID,
  Length,
  Matches,
  ValidateNested,
} from 'class-validator';
import {
  ARREST_RECORD_KINDS,
  type ArrestRecordEntity,
  type ArrestRecordKind,
} from '../arrest-record.entity';

const trim = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value);

export const MAX_CHARGES = 20;

export class ChargeDto {
  @ApiProperty({ example: 'PC 647(b)', maxLength: 50 })
  @Transform(trim)
  @IsString()
  @Length(1, 50)
  code!: string;

  @ApiPropertyOptional({ example: 'Solicitation', maxLength: 500 })
  @IsOptional()
  @Transform(trim)
  @IsString()
  @Length(1, 500)
  description?: string;
}

export class RecordArrestDto {
  @ApiProperty({ format: 'uuid', description: 'A law_enforcement agency' })
  @IsUUID()
  arrestingAgencyId!: string;

  @ApiProperty({
    example: 'LASD-2026-0042',
    maxLength: 100,
    description: 'Unique per arresting agency',
  })
  @Transform(trim)
  @IsString()
  @Length(1, 100)
  bookingNumber!: string;

  @ApiProperty({
    format: 'date-time',
    example: '2026-03-01T22:15:00-08:00',
    description:
      'Not in the future; the participant must be under 18 on its date (as written, in its offset)',
  })
  @IsString()
  @IsISO8601({ strict: true, strictSeparator: true })
  @Matches(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/, {
    message: 'arrestedAt must be a date-time with a time zone offset',
  })
  arrestedAt!: string;

  @ApiProperty({ type: ChargeDto, isArray: true, minItems: 1, maxItems: MAX_CHARGES })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_CHARGES)
  @IsObject({ each: true })
  @ValidateNested({ each: true })
  @Type(() => ChargeDto)
  charges!: ChargeDto[];

  @ApiPropertyOptional({ maxLength: 500 })
  @IsOptional()
  @Transform(trim)
  @IsString()
  @Length(1, 500)
  location?: string;

  @ApiPropertyOptional({ enum: ARREST_RECORD_KINDS, default: 'arrest' })
  @IsOptional()
  @IsIn(ARREST_RECORD_KINDS)
  kind?: ArrestRecordKind;
}

@ApiSchema({
  name: 'ArrestRecord',
  description:
    'An arrest, detention or citation that led to the referral. Once sealed it is not found by ' +
    'any ordinary read (404, as if it never existed); court and admin users reach it only with ' +
    'an X-Access-Purpose header, and that access is audited.',
})
export class ArrestRecordDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) participantId!: string;
  @ApiProperty({ format: 'uuid' }) arrestingAgencyId!: string;
  @ApiProperty({ enum: ARREST_RECORD_KINDS }) kind!: ArrestRecordKind;
  @ApiProperty() bookingNumber!: string;
  @ApiProperty({ format: 'date-time' }) arrestedAt!: string;
  @ApiProperty({ type: ChargeDto, isArray: true }) charges!: ChargeDto[];
  @ApiProperty({ type: String, nullable: true }) location!: string | null;
  @ApiProperty({
    enum: ['open', 'sealed'],
    description: "'sealed' only on the audited access-purpose path",
  })
  status!: 'open' | 'sealed';
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) sealedAt!: string | null;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;

  static from(record: ArrestRecordEntity): ArrestRecordDto {
    const { bookingNumber, arrestedAt, charges } = record;
    // Every read path excludes purged records (privacy/visibility.ts): reaching here with one
    // is a bug, and it must fail rather than present a record whose details were destroyed.
    if (record.purgedAt !== null || bookingNumber === null || arrestedAt === null || !charges) {
      throw new Error('A purged arrest record is never presented');
    }
    return {
      id: record.id,
      participantId: record.participantId,
      arrestingAgencyId: record.arrestingAgencyId,
      kind: record.kind,
      bookingNumber,
      arrestedAt: arrestedAt.toISOString(),
      charges: charges.map((c) =>
        c.description ? { code: c.code, description: c.description } : { code: c.code },
      ),
      location: record.location,
      status: record.status,
      sealedAt: record.sealedAt ? record.sealedAt.toISOString() : null,
      createdAt: record.createdAt.toISOString(),
    };
  }
}
