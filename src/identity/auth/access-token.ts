import { IsArray, IsIn, IsOptional, IsString, IsUUID } from 'class-validator';
import { ROLES, SCOPES, type Role, type Scope } from '../access/roles-and-scopes';

/** The claims this API puts in (and accepts from) an access token, beyond iss/aud/exp/iat. */
export class AccessTokenClaims {
  @IsUUID()
  sub!: string;

  @IsIn(['user', 'client'])
  kind!: 'user' | 'client';

  @IsUUID()
  agencyId!: string;

  @IsOptional()
  @IsIn(ROLES)
  role?: Role;

  @IsOptional()
  @IsArray()
  @IsString({ each: true })
  @IsIn(SCOPES, { each: true })
  scopes?: Scope[];
}
