import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

export const COURT_DECISIONS = ['confirmed', 'rejected', 'unsatisfactory'] as const;
export type CourtDecision = (typeof COURT_DECISIONS)[number];

@Entity({ name: 'court_reviews' })
export class CourtReviewEntity {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column({ name: 'enrollment_id', type: 'uuid' }) enrollmentId!: string;
  @Column({ name: 'court_agency_id', type: 'uuid' }) courtAgencyId!: string;
  @Column({ type: 'enum', enumName: 'court_decision', enum: COURT_DECISIONS })
  decision!: CourtDecision;
  @Column({ name: 'court_order_number', type: 'text', nullable: true }) courtOrderNumber!:
    string | null;
  @Column({ type: 'text', nullable: true }) notes!: string | null;
  /** Why the court rejected or found the completion unsatisfactory (shown to the coordinator). */
  @Column({ type: 'text', nullable: true }) reasons!: string | null;
  /** On a confirmation with a milestone short: the court's finding of substantial compliance. */
  @Column({ name: 'substantial_compliance_finding', type: 'text', nullable: true })
  substantialComplianceFinding!: string | null;
  /** On a finding of unsatisfactory completion: the written notice to the minor (Rule 5.850). */
  @Column({ name: 'minor_notified_at', type: 'timestamptz', nullable: true })
  minorNotifiedAt!: Date | null;
  @Column({ name: 'minor_notification_method', type: 'text', nullable: true })
  minorNotificationMethod!: string | null;
  @Column({ name: 'decided_by', type: 'uuid' }) decidedBy!: string;
  @CreateDateColumn({ name: 'decided_at', type: 'timestamptz' }) decidedAt!: Date;
}
