import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, VersionColumn } from 'typeorm';

export interface Charge {
  code: string;
  description?: string;
}

export const ARREST_RECORD_KINDS = ['arrest', 'detention', 'citation'] as const;
export type ArrestRecordKind = (typeof ARREST_RECORD_KINDS)[number];

/**
 * Never read this entity through a plain repository: go through ArrestRecordsRepository,
 * whose one query path hides sealed records and records outside the caller's scope.
 */
@Entity({ name: 'arrest_records' })
export class ArrestRecordEntity {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column({ name: 'participant_id', type: 'uuid' }) participantId!: string;
  @Column({ name: 'owner_agency_id', type: 'uuid' }) ownerAgencyId!: string;
  @Column({ name: 'arresting_agency_id', type: 'uuid' }) arrestingAgencyId!: string;
  @Column({ type: 'text' }) kind!: ArrestRecordKind;
  // Null only once the retention purge destroyed them (`purgedAt`); no read path returns such a row.
  @Column({ name: 'booking_number', type: 'text', nullable: true }) bookingNumber!: string | null;
  @Column({ name: 'arrested_at', type: 'timestamptz', nullable: true }) arrestedAt!: Date | null;
  @Column({ type: 'jsonb', nullable: true }) charges!: Charge[] | null;
  @Column({ type: 'text', nullable: true }) location!: string | null;
  @Column({ type: 'enum', enumName: 'arrest_record_status', enum: ['open', 'sealed'] }) status!:
    'open' | 'sealed';
  @Column({ name: 'sealed_at', type: 'timestamptz', nullable: true }) sealedAt!: Date | null;
  @Column({ name: 'purged_at', type: 'timestamptz', nullable: true }) purgedAt!: Date | null;
  /** Strong ETag source; moves when the record is sealed (or otherwise changed). */
  @VersionColumn() version!: number;
  @Column({ name: 'created_by', type: 'uuid' }) createdBy!: string;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
}
