import { Injectable } from '@nestjs/common';
import { UnitOfWork } from '../../infrastructure/database/unit-of-work';
import type { AgencyKind, ServiceCategory } from './agency-kind';
import { AgencyEntity } from './agency.entity';

/** The `agencies` table: the only code that reads or writes it. */
@Injectable()
export class AgenciesRepository {
  constructor(private readonly uow: UnitOfWork) {}

  private get agencies() {
    return this.uow.manager.getRepository(AgencyEntity);
  }

  insert(agency: { name: string; kind: AgencyKind; services: ServiceCategory[] }) {
    return this.agencies.save(this.agencies.create(agency));
  }

  findById(id: string): Promise<AgencyEntity | null> {
    return this.agencies.findOneBy({ id });
  }

  /** Ids of the agencies of one kind (at most `limit`), e.g. the courts a review may go to. */
  async idsOfKind(kind: AgencyKind, limit: number): Promise<string[]> {
    const rows = await this.agencies.find({ where: { kind }, select: { id: true }, take: limit });
    return rows.map((row) => row.id);
  }

  /** One page in `(lower(name), id)` order, `limit + 1` rows (the extra one says "more"). */
  listByName(limit: number, after?: { name: string; id: string }): Promise<AgencyEntity[]> {
    const query = this.agencies
      .createQueryBuilder('a')
      .orderBy('lower(a.name)', 'ASC')
      .addOrderBy('a.id', 'ASC')
      .limit(limit + 1);
    if (after) query.where('(lower(a.name), a.id) > (:name, :id)', after);
    return query.getMany();
  }

  /** The `System` agency the bootstrap admin belongs to, created on first use. */
  async findOrCreateSystem(): Promise<AgencyEntity> {
    return (
      (await this.agencies.findOneBy({ kind: 'system', name: 'System' })) ??
      (await this.insert({ name: 'System', kind: 'system', services: [] }))
    );
  }
}
