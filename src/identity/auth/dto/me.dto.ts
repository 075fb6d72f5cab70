import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ROLES, SCOPES, type Role, type Scope } from '../../access/roles-and-scopes';

export class MeDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ enum: ['user', 'client'] }) kind!: 'user' | 'client';
  @ApiPropertyOptional({ enum: ROLES }) role?: Role;
  @ApiPropertyOptional({ enum: SCOPES, isArray: true }) scopes?: Scope[];
  @ApiProperty({ format: 'uuid' }) agencyId!: string;
}
