import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { AGENCY_KINDS, type AgencyKind, type ServiceCategory } from './agency-kind';

@Entity({ name: 'agencies' })
export class AgencyEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ type: 'text' })
  name!: string;

  @Column({ type: 'enum', enumName: 'agency_kind', enum: AGENCY_KINDS })
  kind!: AgencyKind;

  @Column({ type: 'text', array: true, default: () => "'{}'" })
  services!: ServiceCategory[];

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
