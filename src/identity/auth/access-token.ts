import { IsArray, IsIn, IsInt, IsOptional, IsString, IsUUID, Min } from 'class-validator';
import { ROLES, SCOPES, type Role, type Scope } from '../access/roles-and-scopes';

/**
 * The claims this API puts in (and accepts from) an access token, beyond iss and aud (which
 * the verifier checks). `exp` is required: the JWT library checks it only when present, and
 * a token without one would never expire.
 */
export class AccessTokenClaims {
  @IsInt()
  exp!: number;

  /** The principal's token version when the token was issued (see PrincipalStatus). */
  @IsInt()
  @Min(1)
  ver!: number;

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
