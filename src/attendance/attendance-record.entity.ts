import {
  Column,
  CreateDateColumn,
  Entity,
  PrimaryGeneratedColumn,
  UpdateDateColumn,
  VersionColumn,
} from 'typeorm';
import type { AttendanceStatus } from '../enrollments/domain/milestone-progress';

export const ATTENDANCE_STATUSES = ['present', 'absent', 'excused'] as const;

@Entity({ name: 'attendance_records' })
export class AttendanceRecordEntity {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column({ name: 'milestone_id', type: 'uuid' }) milestoneId!: string;
  @Column({ name: 'enrollment_id', type: 'uuid' }) enrollmentId!: string;
  @Column({ name: 'provider_agency_id', type: 'uuid' }) providerAgencyId!: string;
  @Column({ name: 'session_date', type: 'date' }) sessionDate!: string;
  @Column({ type: 'enum', enumName: 'attendance_status', enum: ATTENDANCE_STATUSES })
  status!: AttendanceStatus;
  @Column({ name: 'duration_minutes', type: 'integer', nullable: true }) durationMinutes!:
    number | null;
  @Column({ type: 'text', nullable: true }) notes!: string | null;
  @Column({ name: 'external_id', type: 'text', nullable: true }) externalId!: string | null;
  @Column({ name: 'recorded_by', type: 'uuid' }) recordedBy!: string;
  @VersionColumn() version!: number;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' }) updatedAt!: Date;
}
