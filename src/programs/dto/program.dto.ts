import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayUnique,
  IsArray,
  IsBoolean,
  IsInt,
  IsOptional,
  IsString,
  Length,
  Max,
  Min,
  ValidateIf,
} from 'class-validator';
import type { ProgramEntity } from '../program.entity';

const trimEach = ({ value }: { value: unknown }): unknown =>
  Array.isArray(value) ? value.map((v: unknown) => (typeof v === 'string' ? v.trim() : v)) : value;

/** A program's settings as admins read them. */
export class ProgramDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ example: 'first-step' }) code!: string;
  @ApiProperty({ example: 'First Step' }) name!: string;
  @ApiProperty({ description: 'Length of a new enrollment, in days (before extensions)' })
  lengthDays!: number;
  @ApiProperty({ description: 'Whether a new enrollment needs a guardian’s consent to start' })
  guardianConsentRequired!: boolean;
  @ApiProperty({ type: String, isArray: true, description: 'Empty: any site' }) sites!: string[];
  @ApiProperty({ description: 'Years a sealed record’s details are kept after the sealing order' })
  retentionYears!: number;
  @ApiProperty({
    example: 'America/Los_Angeles',
    description: 'IANA zone session dates are read in',
  })
  timeZone!: string;
  @ApiProperty({ description: 'Also the strong ETag: `"<version>"`' }) version!: number;

  static from(program: ProgramEntity): ProgramDto {
    return {
      id: program.id,
      code: program.code,
      name: program.name,
      lengthDays: program.lengthDays,
      guardianConsentRequired: program.guardianConsentRequired,
      sites: program.sites,
      retentionYears: program.retentionYears,
      timeZone: program.timeZone,
      version: program.version,
    };
  }
}

/**
 * Body of `PATCH /programs/:id` (If-Match required). Changes apply to enrollments opened
 * afterwards; existing enrollments keep the length and consent rule they were opened under.
 */
export class UpdateProgramDto {
  @ApiPropertyOptional({ minimum: 1, maximum: 730 })
  @ValidateIf((o: UpdateProgramDto) => o.lengthDays !== undefined)
  @IsInt()
  @Min(1)
  @Max(730)
  lengthDays?: number;

  @ApiPropertyOptional()
  @ValidateIf((o: UpdateProgramDto) => o.guardianConsentRequired !== undefined)
  @IsBoolean()
  guardianConsentRequired?: boolean;

  @ApiPropertyOptional({
    type: String,
    isArray: true,
    maxItems: 100,
    description: 'Empty: any site',
  })
  @ValidateIf((o: UpdateProgramDto) => o.sites !== undefined)
  @Transform(trimEach)
  @IsArray()
  @ArrayMaxSize(100)
  @ArrayUnique()
  @IsString({ each: true })
  @Length(1, 100, { each: true })
  sites?: string[];

  @ApiPropertyOptional({ minimum: 1, maximum: 100 })
  @ValidateIf((o: UpdateProgramDto) => o.retentionYears !== undefined)
  @IsInt()
  @Min(1)
  @Max(100)
  retentionYears?: number;

  @ApiPropertyOptional({ example: 'America/Los_Angeles', description: 'An IANA time zone' })
  @IsOptional()
  @IsString()
  @Length(1, 64)
  timeZone?: string;
}
