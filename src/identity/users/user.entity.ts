import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { ROLES, type Role } from '../access/roles-and-scopes';

@Entity({ name: 'users' })
export class UserEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  /** Stored lower-cased; unique case-insensitively. */
  @Column({ type: 'text' })
  email!: string;

  @Column({ name: 'display_name', type: 'text' })
  displayName!: string;

  @Column({ type: 'enum', enumName: 'user_role', enum: ROLES })
  role!: Role;

  @Column({ name: 'agency_id', type: 'uuid' })
  agencyId!: string;

  /** argon2id PHC string; never leaves the identity module. */
  @Column({ name: 'password_hash', type: 'text', select: false })
  passwordHash!: string;

  @Column({ name: 'disabled_at', type: 'timestamptz', nullable: true })
  disabledAt!: Date | null;

  /** Row version: the ETag; bumped by every change. */
  @Column({ type: 'integer', default: 1 })
  version!: number;

  /** Tokens carry it (`ver`); disabling or re-roling bumps it, so tokens issued before stop working. */
  @Column({ name: 'token_version', type: 'integer', default: 1 })
  tokenVersion!: number;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
