import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { SERVICE_CATEGORIES, type ServiceCategory } from '../identity/agencies/agency-kind';

export const CONSENT_KINDS = ['participation', 'guardian', 'information_sharing'] as const;
export type ConsentKind = (typeof CONSENT_KINDS)[number];

@Entity({ name: 'consents' })
export class ConsentEntity {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column({ name: 'enrollment_id', type: 'uuid' }) enrollmentId!: string;
  @Column({ type: 'enum', enumName: 'consent_kind', enum: CONSENT_KINDS }) kind!: ConsentKind;
  @Column({ name: 'signed_by', type: 'text' }) signedBy!: string;
  @Column({ name: 'signed_at', type: 'timestamptz' }) signedAt!: Date;
  @Column({
    name: 'service_category',
    type: 'enum',
    enumName: 'service_category',
    enum: SERVICE_CATEGORIES,
    nullable: true,
  })
  serviceCategory!: ServiceCategory | null;
  @Column({ name: 'recipient_agency_id', type: 'uuid', nullable: true }) recipientAgencyId!:
    string | null;
  @Column({ name: 'expires_at', type: 'timestamptz', nullable: true }) expiresAt!: Date | null;
  @Column({ name: 'revoked_at', type: 'timestamptz', nullable: true }) revokedAt!: Date | null;
  @Column({ name: 'revoke_reason', type: 'text', nullable: true }) revokeReason!: string | null;
  @Column({ name: 'revoked_by', type: 'uuid', nullable: true }) revokedBy!: string | null;
  @Column({ name: 'recorded_by', type: 'uuid' }) recordedBy!: string;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
}
