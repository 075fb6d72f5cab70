import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** A diversion program's settings; First Step is seeded by the workflow migration. */
@Entity({ name: 'programs' })
export class ProgramEntity {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column({ type: 'text' }) code!: string;
  @Column({ type: 'text' }) name!: string;
  @Column({ name: 'length_days', type: 'integer' }) lengthDays!: number;
  @Column({ name: 'guardian_consent_required', type: 'boolean' }) guardianConsentRequired!: boolean;
  @Column({ type: 'text', array: true }) sites!: string[];
  /** Years after sealing before the retention purge destroys a sealed record's details. */
  @Column({ name: 'retention_years', type: 'integer' }) retentionYears!: number;
  /** IANA zone in which session dates are read. */
  @Column({ name: 'time_zone', type: 'text' }) timeZone!: string;
  @Column({ type: 'integer' }) version!: number;
}

export const DEFAULT_PROGRAM_CODE = 'first-step';
