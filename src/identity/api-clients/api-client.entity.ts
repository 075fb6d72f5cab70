import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';
import type { Scope } from '../access/roles-and-scopes';

@Entity({ name: 'api_clients' })
export class ApiClientEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  /** Public identifier sent as `client_id`. */
  @Column({ name: 'client_id', type: 'text' })
  clientId!: string;

  @Column({ type: 'text' })
  name!: string;

  @Column({ name: 'agency_id', type: 'uuid' })
  agencyId!: string;

  @Column({ type: 'text', array: true })
  scopes!: Scope[];

  /** SHA-256 of a 256-bit random secret: enough for a machine secret, cheap per token request. */
  @Column({ name: 'secret_hash', type: 'text', select: false })
  secretHash!: string;

  @Column({ name: 'revoked_at', type: 'timestamptz', nullable: true })
  revokedAt!: Date | null;

  /** The secret before the last rotation, accepted until `previousSecretExpiresAt`. */
  @Column({ name: 'previous_secret_hash', type: 'text', nullable: true, select: false })
  previousSecretHash!: string | null;

  @Column({ name: 'previous_secret_expires_at', type: 'timestamptz', nullable: true })
  previousSecretExpiresAt!: Date | null;

  @Column({ name: 'secret_rotated_at', type: 'timestamptz', nullable: true })
  secretRotatedAt!: Date | null;

  /** Row version: the ETag. */
  @Column({ type: 'integer', default: 1 })
  version!: number;

  /** Tokens carry it (`ver`); revoking bumps it, so tokens issued before stop working. */
  @Column({ name: 'token_version', type: 'integer', default: 1 })
  tokenVersion!: number;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
