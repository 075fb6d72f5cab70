import { ApiProperty } from '@nestjs/swagger';
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
  @ApiProperty({ description: 'Shown once; only a hash is stored' }) clientSecret!: string;
  @ApiProperty({ enum: SCOPES, isArray: true }) scopes!: Scope[];
}
