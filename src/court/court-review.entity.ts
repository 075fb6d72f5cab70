import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

@Entity({ name: 'court_reviews' })
export class CourtReviewEntity {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column({ name: 'enrollment_id', type: 'uuid' }) enrollmentId!: string;
  @Column({ name: 'court_agency_id', type: 'uuid' }) courtAgencyId!: string;
  @Column({ type: 'enum', enumName: 'court_decision', enum: ['confirmed', 'rejected'] }) decision!:
    'confirmed' | 'rejected';
  @Column({ name: 'court_order_number', type: 'text', nullable: true }) courtOrderNumber!:
    string | null;
  @Column({ type: 'text', nullable: true }) notes!: string | null;
  @Column({ name: 'decided_by', type: 'uuid' }) decidedBy!: string;
  @CreateDateColumn({ name: 'decided_at', type: 'timestamptz' }) decidedAt!: Date;
}
