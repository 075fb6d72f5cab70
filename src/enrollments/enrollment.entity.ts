import {
  Column,
  CreateDateColumn,
  Entity,
  PrimaryGeneratedColumn,
  UpdateDateColumn,
  VersionColumn,
} from 'typeorm';
import { ENROLLMENT_STATUSES, type EnrollmentStatus } from './domain/enrollment-status';

@Entity({ name: 'enrollments' })
export class EnrollmentEntity {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column({ name: 'program_id', type: 'uuid' }) programId!: string;
  @Column({ name: 'participant_id', type: 'uuid' }) participantId!: string;
  @Column({ name: 'arrest_record_id', type: 'uuid' }) arrestRecordId!: string;
  @Column({ name: 'owner_agency_id', type: 'uuid' }) ownerAgencyId!: string;
  /**
   * The participant's owner (registering agency), copied and held equal by a foreign key:
   * the index of enrollments of another agency's participants (participant search).
   */
  @Column({ name: 'participant_owner_agency_id', type: 'uuid' }) participantOwnerAgencyId!: string;
  @Column({ type: 'text' }) site!: string;
  @Column({ type: 'enum', enumName: 'enrollment_status', enum: ENROLLMENT_STATUSES })
  status!: EnrollmentStatus;
  @Column({ name: 'start_date', type: 'date' }) startDate!: string;
  @Column({ name: 'scheduled_end_date', type: 'date' }) scheduledEndDate!: string;
  /** The program's length when the enrollment was opened: later setting changes do not apply. */
  @Column({ name: 'length_days', type: 'integer' }) lengthDays!: number;
  /** Whether a guardian's consent is required, as the program said when it was opened. */
  @Column({ name: 'guardian_consent_required', type: 'boolean' })
  guardianConsentRequired!: boolean;
  @Column({ name: 'activated_at', type: 'timestamptz', nullable: true }) activatedAt!: Date | null;
  @Column({ name: 'first_service_at', type: 'timestamptz', nullable: true })
  firstServiceAt!: Date | null;
  @Column({ name: 'submitted_for_review_at', type: 'timestamptz', nullable: true })
  submittedForReviewAt!: Date | null;
  /** The court the enrollment was submitted to: only its users see and decide the review. */
  @Column({ name: 'review_court_agency_id', type: 'uuid', nullable: true })
  reviewCourtAgencyId!: string | null;
  /** Why the coordinator asks the court to find substantial compliance (a milestone short). */
  @Column({ name: 'shortfall_reason', type: 'text', nullable: true })
  shortfallReason!: string | null;
  @Column({ name: 'completed_at', type: 'timestamptz', nullable: true }) completedAt!: Date | null;
  @Column({ name: 'ended_at', type: 'timestamptz', nullable: true }) endedAt!: Date | null;
  @Column({ name: 'end_reason', type: 'text', nullable: true }) endReason!: string | null;
  @Column({ name: 'minor_notified_at', type: 'timestamptz', nullable: true })
  minorNotifiedAt!: Date | null;
  @Column({ name: 'minor_notification_method', type: 'text', nullable: true })
  minorNotificationMethod!: string | null;
  /** Strong ETag source; bumped on every change. */
  @VersionColumn() version!: number;
  @Column({ name: 'created_by', type: 'uuid' }) createdBy!: string;
  /** Whose case it is: the creator by default, reassignable within the owning agency. */
  @Column({ name: 'assigned_coordinator_id', type: 'uuid' }) assignedCoordinatorId!: string;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' }) updatedAt!: Date;
}

@Entity({ name: 'enrollment_extensions' })
export class EnrollmentExtensionEntity {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column({ name: 'enrollment_id', type: 'uuid' }) enrollmentId!: string;
  @Column({ type: 'integer' }) days!: number;
  @Column({ type: 'text' }) reason!: string;
  @Column({ name: 'granted_by', type: 'uuid' }) grantedBy!: string;
  @CreateDateColumn({ name: 'granted_at', type: 'timestamptz' }) grantedAt!: Date;
}
