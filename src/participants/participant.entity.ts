import {
  Column,
  CreateDateColumn,
  Entity,
  PrimaryGeneratedColumn,
  UpdateDateColumn,
  VersionColumn,
} from 'typeorm';

export interface Guardian {
  name: string;
  phone?: string;
  relationship: string;
}

@Entity({ name: 'participants' })
export class ParticipantEntity {
  @PrimaryGeneratedColumn('uuid') id!: string;
  /** Assigned by the database (sequence): FS-<year>-<6 digits>. */
  @Column({ name: 'case_number', type: 'text', insert: false, update: false }) caseNumber!: string;
  @Column({ name: 'owner_agency_id', type: 'uuid' }) ownerAgencyId!: string;
  @Column({ name: 'first_name', type: 'text' }) firstName!: string;
  @Column({ name: 'last_name', type: 'text' }) lastName!: string;
  @Column({ name: 'first_name_key', type: 'text' }) firstNameKey!: string;
  @Column({ name: 'last_name_key', type: 'text' }) lastNameKey!: string;
  @Column({ name: 'date_of_birth', type: 'date' }) dateOfBirth!: string;
  @Column({ type: 'text', nullable: true }) gender!: string | null;
  @Column({ name: 'preferred_language', type: 'text', nullable: true }) preferredLanguage!:
    string | null;
  @Column({ type: 'jsonb', nullable: true }) guardian!: Guardian | null;
  /** Strong ETag source; moves on every correction. */
  @VersionColumn() version!: number;
  @Column({ name: 'created_by', type: 'uuid' }) createdBy!: string;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' }) updatedAt!: Date;
}
