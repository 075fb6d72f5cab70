import { ApiHideProperty, ApiProperty, ApiPropertyOptional, ApiSchema } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import {
  IsIn,
  IsISO8601,
  IsObject,
  IsOptional,
  IsString,
  Length,
  Matches,
  MaxLength,
  ValidateIf,
  ValidateNested,
} from 'class-validator';
import { PageQueryDto } from '../../common/pagination/pagination';
import type { Audience } from '../../privacy/audience';
import type { Guardian, ParticipantEntity } from '../participant.entity';

const trim = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value);

export class GuardianDto {
  @ApiProperty({ example: 'Rosa Lopez', maxLength: 200 })
  @Transform(trim)
  @IsString()
  @Length(1, 200)
  name!: string;

  @ApiPropertyOptional({ example: '+1 213 555 0100', maxLength: 30 })
  @IsOptional()
  @Transform(trim)
  @IsString()
  @Matches(/^\+?[0-9 ().-]{3,30}$/, {
    message: 'phone must be a phone number (digits, spaces, + ( ) . -)',
  })
  phone?: string;

  @ApiProperty({ example: 'mother', maxLength: 100 })
  @Transform(trim)
  @IsString()
  @Length(1, 100)
  relationship!: string;
}

export class RegisterParticipantDto {
  @ApiProperty({ example: 'María', maxLength: 100 })
  @Transform(trim)
  @IsString()
  @Length(1, 100)
  firstName!: string;

  @ApiProperty({ example: 'López', maxLength: 100 })
  @Transform(trim)
  @IsString()
  @Length(1, 100)
  lastName!: string;

  @ApiProperty({ format: 'date', example: '2011-04-17', description: 'Must be under 18 today' })
  @IsString()
  @Matches(/^\d{4}-\d{2}-\d{2}$/, { message: 'dateOfBirth must be a date (YYYY-MM-DD)' })
  @IsISO8601({ strict: true }, { message: 'dateOfBirth must be a real calendar date' })
  dateOfBirth!: string;

  @ApiPropertyOptional({ example: 'female', maxLength: 50 })
  @IsOptional()
  @Transform(trim)
  @IsString()
  @Length(1, 50)
  gender?: string;

  @ApiPropertyOptional({
    example: 'es',
    maxLength: 50,
    description: 'Language services should use',
  })
  @IsOptional()
  @Transform(trim)
  @IsString()
  @Length(1, 50)
  preferredLanguage?: string;

  @ApiPropertyOptional({ type: GuardianDto })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => GuardianDto)
  guardian?: GuardianDto;
}

/**
 * Body of `PATCH /participants/:id` (If-Match required): only the fields to correct. The case
 * number is the participant's permanent reference and never changes.
 */
export class CorrectParticipantDto {
  @ApiPropertyOptional({ maxLength: 100 })
  @ValidateIf((o: CorrectParticipantDto) => o.firstName !== undefined)
  @Transform(trim)
  @IsString()
  @Length(1, 100)
  firstName?: string;

  @ApiPropertyOptional({ maxLength: 100 })
  @ValidateIf((o: CorrectParticipantDto) => o.lastName !== undefined)
  @Transform(trim)
  @IsString()
  @Length(1, 100)
  lastName?: string;

  @ApiPropertyOptional({
    format: 'date',
    description: 'Must keep the participant a minor at referral',
  })
  @ValidateIf((o: CorrectParticipantDto) => o.dateOfBirth !== undefined)
  @IsString()
  @Matches(/^\d{4}-\d{2}-\d{2}$/, { message: 'dateOfBirth must be a date (YYYY-MM-DD)' })
  @IsISO8601({ strict: true }, { message: 'dateOfBirth must be a real calendar date' })
  dateOfBirth?: string;

  @ApiPropertyOptional({
    type: String,
    nullable: true,
    maxLength: 50,
    description: 'null clears it',
  })
  @IsOptional()
  @Transform(trim)
  @IsString()
  @Length(1, 50)
  gender?: string | null;

  @ApiPropertyOptional({
    type: String,
    nullable: true,
    maxLength: 50,
    description: 'null clears it',
  })
  @IsOptional()
  @Transform(trim)
  @IsString()
  @Length(1, 50)
  preferredLanguage?: string | null;

  @ApiPropertyOptional({ type: GuardianDto, nullable: true, description: 'null removes it' })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => GuardianDto)
  guardian?: GuardianDto | null;

  @ApiPropertyOptional({ maxLength: 1000, description: 'Why, kept in the correction log' })
  @IsOptional()
  @Transform(trim)
  @IsString()
  @Length(1, 1000)
  reason?: string;

  /** Refused whatever its value: the case number is immutable. */
  @ApiHideProperty()
  @ValidateIf((o: CorrectParticipantDto) => o.caseNumber !== undefined)
  @IsIn([], { message: 'caseNumber cannot be changed: it is the permanent reference of the case' })
  caseNumber?: never;
}

export class SearchParticipantsQueryDto extends PageQueryDto {
  @ApiPropertyOptional({
    maxLength: 200,
    description:
      'Prefix of the first or last name (case- and accent-insensitive), or an exact case number. ' +
      'Partner systems may search by case number only.',
  })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  search?: string;
}

/**
 * Who sees how much of a participant (minimum necessary):
 * - `program` (coordinators, admins): everything.
 * - `care` (providers): who the minor is and how to serve them; the guardian's name and
 *   relationship but not their phone (guardian contact goes through the coordinator: in these
 *   cases a guardian may be part of the danger).
 * - `court` (court users): identity to match the case, nothing else.
 * - `partner` (machine clients): the case number only; partner systems key their records on it,
 *   and names or dates of birth of minors never leave the system through machine channels.
 */
export class GuardianViewDto {
  @ApiProperty() name!: string;
  @ApiPropertyOptional({ description: 'Coordinators and admins only' }) phone?: string;
  @ApiProperty() relationship!: string;
}

@ApiSchema({
  name: 'Participant',
  description:
    'A minor in the program. Never carries arrest data. Fields shown depend on who asks ' +
    '(minimum necessary): coordinators and admins see every field; providers see names, date of ' +
    'birth, gender, preferred language and the guardian without phone; court users see names and ' +
    'date of birth; partner systems see id, caseNumber and createdAt only.',
})
export class ParticipantDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ example: 'FS-2026-000123' }) caseNumber!: string;
  @ApiPropertyOptional({ description: 'Not shown to partner systems' }) firstName?: string;
  @ApiPropertyOptional({ description: 'Not shown to partner systems' }) lastName?: string;
  @ApiPropertyOptional({ format: 'date', description: 'Not shown to partner systems' })
  dateOfBirth?: string;
  @ApiPropertyOptional({
    type: String,
    nullable: true,
    description: 'Coordinators, admins, providers',
  })
  gender?: string | null;
  @ApiPropertyOptional({
    type: String,
    nullable: true,
    description: 'Coordinators, admins, providers',
  })
  preferredLanguage?: string | null;
  @ApiPropertyOptional({
    type: GuardianViewDto,
    nullable: true,
    description: 'Coordinators and admins; providers without phone',
  })
  guardian?: GuardianViewDto | null;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;

  static from(participant: ParticipantEntity, audience: Audience): ParticipantDto {
    const reference = {
      id: participant.id,
      caseNumber: participant.caseNumber,
    };
    const createdAt = participant.createdAt.toISOString();
    if (audience === 'partner') return { ...reference, createdAt };
    const identity = {
      ...reference,
      firstName: participant.firstName,
      lastName: participant.lastName,
      dateOfBirth: participant.dateOfBirth,
    };
    if (audience === 'court') return { ...identity, createdAt };
    return {
      ...identity,
      gender: participant.gender,
      preferredLanguage: participant.preferredLanguage,
      guardian: guardianView(participant.guardian, audience),
      createdAt,
    };
  }
}

function guardianView(
  guardian: Guardian | null,
  audience: Exclude<Audience, 'court' | 'partner'>,
): GuardianViewDto | null {
  if (!guardian) return null;
  const view: GuardianViewDto = { name: guardian.name, relationship: guardian.relationship };
  if (audience === 'program' && guardian.phone) view.phone = guardian.phone;
  return view;
}

export class PossibleDuplicateDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ example: 'FS-2026-000123' }) caseNumber!: string;
}

/** The answer to a registration: the participant, and a warning of possible duplicates. */
export class RegisteredParticipantDto extends ParticipantDto {
  @ApiProperty({
    type: PossibleDuplicateDto,
    isArray: true,
    description:
      'Participants your own agency registered with the same name and date of birth (a possible ' +
      "duplicate registration to check); never another agency's. Empty when none.",
  })
  possibleDuplicates!: PossibleDuplicateDto[];
}
