import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { ArrayUnique, IsArray, IsIn, IsOptional, IsString, Length } from 'class-validator';
import {
  AGENCY_KINDS,
  SERVICE_CATEGORIES,
  type AgencyKind,
  type ServiceCategory,
} from '../agency-kind';
import { AgencyEntity } from '../agency.entity';

/** Surrounding spaces are not part of a name; a name of only spaces is then empty, a 400. */
const trim = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value);

export class CreateAgencyDto {
  @ApiProperty({ example: 'Saving Innocence' })
  @Transform(trim)
  @IsString()
  @Length(1, 200)
  name!: string;

  @ApiProperty({ enum: AGENCY_KINDS })
  @IsIn(AGENCY_KINDS)
  kind!: AgencyKind;

  @ApiPropertyOptional({
    enum: SERVICE_CATEGORIES,
    isArray: true,
    description: 'Services a provider delivers',
  })
  @IsOptional()
  @IsArray()
  @ArrayUnique()
  @IsIn(SERVICE_CATEGORIES, { each: true })
  services?: ServiceCategory[];
}

export class AgencyDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ enum: AGENCY_KINDS }) kind!: AgencyKind;
  @ApiProperty({ enum: SERVICE_CATEGORIES, isArray: true }) services!: ServiceCategory[];

  static from(agency: AgencyEntity): AgencyDto {
    return { id: agency.id, name: agency.name, kind: agency.kind, services: agency.services };
  }
}
