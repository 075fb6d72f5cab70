import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import {
  IsBoolean,
  IsEmail,
  IsIn,
  IsOptional,
  IsString,
  IsUUID,
  Length,
  MaxLength,
} from 'class-validator';
import { ROLES, type Role } from '../../access/roles-and-scopes';
import { UserEntity } from '../user.entity';

export const PASSWORD_MIN_LENGTH = 12;

/** Surrounding spaces are not part of a name; a name of only spaces is then empty, a 400. */
const trim = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value);

export class CreateUserDto {
  @ApiProperty({ example: 'coordinator@da.example.gov' })
  @IsEmail()
  @MaxLength(254)
  email!: string;

  @ApiProperty({ example: 'Dana Coordinator' })
  @Transform(trim)
  @IsString()
  @Length(1, 200)
  displayName!: string;

  @ApiProperty({ enum: ROLES })
  @IsIn(ROLES)
  role!: Role;

  @ApiProperty({ format: 'uuid' })
  @IsUUID()
  agencyId!: string;

  @ApiProperty({ format: 'password', minLength: PASSWORD_MIN_LENGTH })
  @IsString()
  @Length(PASSWORD_MIN_LENGTH, 256, {
    message: `password must be between ${PASSWORD_MIN_LENGTH} and 256 characters`,
  })
  password!: string;
}

/** `PATCH /users/:id` (admin): only what is sent changes. */
export class UpdateUserDto {
  @ApiPropertyOptional({ enum: ROLES, description: 'Must suit the kind of the user agency' })
  @IsOptional()
  @IsIn(ROLES)
  role?: Role;

  @ApiPropertyOptional({ example: 'Dana Coordinator' })
  @IsOptional()
  @Transform(trim)
  @IsString()
  @Length(1, 200)
  displayName?: string;

  @ApiPropertyOptional({
    description: 'true: the account stops working within seconds, tokens included',
  })
  @IsOptional()
  @IsBoolean()
  disabled?: boolean;
}

/** A person as the API shows them: never the password hash. */
export class UserDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() email!: string;
  @ApiProperty() displayName!: string;
  @ApiProperty({ enum: ROLES }) role!: Role;
  @ApiProperty({ format: 'uuid' }) agencyId!: string;
  @ApiProperty() disabled!: boolean;
  @ApiProperty({ type: 'string', format: 'date-time', nullable: true }) disabledAt!: string | null;
  @ApiProperty({ type: 'string', format: 'date-time' }) createdAt!: string;

  static from(user: UserEntity): UserDto {
    return {
      id: user.id,
      email: user.email,
      displayName: user.displayName,
      role: user.role,
      agencyId: user.agencyId,
      disabled: user.disabledAt !== null,
      disabledAt: user.disabledAt?.toISOString() ?? null,
      createdAt: user.createdAt.toISOString(),
    };
  }
}
