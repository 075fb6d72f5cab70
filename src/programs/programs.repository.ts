import { Injectable } from '@nestjs/common';
import { UnitOfWork } from '../infrastructure/database/unit-of-work';
import { ProgramEntity } from './program.entity';

/** The settings a PATCH may change. */
export type ProgramSettingsChange = Pick<
  ProgramEntity,
  'lengthDays' | 'guardianConsentRequired' | 'sites' | 'retentionYears' | 'timeZone'
>;

/** The `programs` table: read through the open transaction, if any (UnitOfWork). */
@Injectable()
export class ProgramsRepository {
  constructor(private readonly uow: UnitOfWork) {}

  private get programs() {
    return this.uow.manager.getRepository(ProgramEntity);
  }

  findByCode(code: string): Promise<ProgramEntity | null> {
    return this.programs.findOneBy({ code });
  }

  findById(id: string): Promise<ProgramEntity | null> {
    return this.programs.findOneBy({ id });
  }

  /** One page in `(code, id)` order, `limit + 1` rows (the extra one says "more"). */
  listByCode(limit: number, after?: { code: string; id: string }): Promise<ProgramEntity[]> {
    const query = this.programs
      .createQueryBuilder('p')
      .orderBy('p.code', 'ASC')
      .addOrderBy('p.id', 'ASC')
      .limit(limit + 1);
    if (after) query.where('(p.code, p.id) > (:code, CAST(:id AS uuid))', after);
    return query.getMany();
  }

  /** The program locked FOR UPDATE, for a settings change. */
  lockById(id: string): Promise<ProgramEntity | null> {
    if (!this.uow.inTransaction) throw new Error('lockById must run inside UnitOfWork.run');
    return this.programs
      .createQueryBuilder('p')
      .where('p.id = :id', { id })
      .setLock('pessimistic_write')
      .getOne();
  }

  /** Writes the settings; the version (the ETag) moves. */
  async update(id: string, settings: ProgramSettingsChange): Promise<ProgramEntity> {
    await this.uow.manager.query(
      `UPDATE programs
          SET length_days = $2, guardian_consent_required = $3, sites = $4::text[],
              retention_years = $5, time_zone = $6, version = version + 1, updated_at = now()
        WHERE id = $1`,
      [
        id,
        settings.lengthDays,
        settings.guardianConsentRequired,
        settings.sites,
        settings.retentionYears,
        settings.timeZone,
      ],
    );
    return this.programs.findOneByOrFail({ id });
  }
}
