import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, VersionColumn } from 'typeorm';

@Entity({ name: 'sealing_notices' })
export class SealingNoticeEntity {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column({ name: 'enrollment_id', type: 'uuid' }) enrollmentId!: string;
  @Column({ name: 'arrest_record_id', type: 'uuid' }) arrestRecordId!: string;
  @Column({ name: 'agency_id', type: 'uuid' }) agencyId!: string;
  @Column({ type: 'enum', enumName: 'sealing_notice_status', enum: ['pending', 'acknowledged'] })
  status!: 'pending' | 'acknowledged';
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
  @Column({ name: 'due_at', type: 'timestamptz' }) dueAt!: Date;
  @Column({ name: 'acknowledged_at', type: 'timestamptz', nullable: true })
  acknowledgedAt!: Date | null;
  @Column({ name: 'acknowledged_by', type: 'uuid', nullable: true }) acknowledgedBy!: string | null;
  @Column({ type: 'text', nullable: true }) reference!: string | null;
  /** Strong ETag source: moves on acknowledgement and on the overdue report. */
  @VersionColumn() version!: number;
}
