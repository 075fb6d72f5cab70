import {
  Column,
  CreateDateColumn,
  Entity,
  PrimaryGeneratedColumn,
  UpdateDateColumn,
  VersionColumn,
} from 'typeorm';
import { SERVICE_CATEGORIES, type ServiceCategory } from '../../identity/agencies/agency-kind';

@Entity({ name: 'milestones' })
export class MilestoneEntity {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column({ name: 'enrollment_id', type: 'uuid' }) enrollmentId!: string;
  @Column({ type: 'enum', enumName: 'service_category', enum: SERVICE_CATEGORIES })
  category!: ServiceCategory;
  @Column({ name: 'provider_agency_id', type: 'uuid' }) providerAgencyId!: string;
  @Column({ name: 'required_sessions', type: 'integer' }) requiredSessions!: number;
  /** Recomputed from attendance under this row's lock; never incremented blindly. */
  @Column({ name: 'attended_sessions', type: 'integer' }) attendedSessions!: number;
  /**
   * Every record that is not voided, whatever its status (the report's attendance rate), kept
   * by the same statements as `attendedSessions`.
   */
  @Column({ name: 'recorded_sessions', type: 'integer' }) recordedSessions!: number;
  @Column({ name: 'met_at', type: 'timestamptz', nullable: true }) metAt!: Date | null;
  @VersionColumn() version!: number;
  @Column({ name: 'created_by', type: 'uuid' }) createdBy!: string;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' }) updatedAt!: Date;
}
