import { Injectable } from '@nestjs/common';
import type { Caller } from '../identity/access/caller';
import { UnitOfWork } from '../infrastructure/database/unit-of-work';
import { enrollmentVisibleTo } from '../privacy/visibility';
import { ConsentEntity } from './consent.entity';
import { EnrollmentEntity } from './enrollment.entity';

export type NewConsent = Pick<
  ConsentEntity,
  | 'enrollmentId'
  | 'kind'
  | 'signedBy'
  | 'signedAt'
  | 'serviceCategory'
  | 'recipientAgencyId'
  | 'expiresAt'
  | 'recordedBy'
>;

/** The only code that reads or writes `consents`; reads are scoped through their enrollment. */
@Injectable()
export class ConsentsRepository {
  constructor(private readonly uow: UnitOfWork) {}

  async insert(consent: NewConsent): Promise<ConsentEntity> {
    const repository = this.uow.manager.getRepository(ConsentEntity);
    return repository.save(repository.create(consent));
  }

  /** The enrollment a consent belongs to, when the caller may see that enrollment. */
  async enrollmentOfVisible(caller: Caller, consentId: string): Promise<string | undefined> {
    const scope = enrollmentVisibleTo(caller, 'e');
    const found = await this.uow.manager
      .createQueryBuilder()
      .select('c.enrollment_id', 'enrollment_id')
      .from(ConsentEntity, 'c')
      .innerJoin(EnrollmentEntity, 'e', 'e.id = c.enrollment_id')
      .where('c.id = :consentId', { consentId })
      .andWhere(scope.sql, scope.params)
      .getRawOne<{ enrollment_id: string }>();
    return found?.enrollment_id;
  }

  /** The consent, locked until the transaction ends (after its enrollment: the shared lock order). */
  async lock(consentId: string): Promise<ConsentEntity> {
    return this.uow.manager
      .getRepository(ConsentEntity)
      .createQueryBuilder('c')
      .where('c.id = :consentId', { consentId })
      .setLock('pessimistic_write')
      .getOneOrFail();
  }

  async save(consent: ConsentEntity): Promise<ConsentEntity> {
    return this.uow.manager.getRepository(ConsentEntity).save(consent);
  }

  /** The kinds of participation and guardian consent standing (not revoked) for an enrollment. */
  async standingKinds(enrollmentId: string): Promise<Set<string>> {
    const rows = await this.uow.manager.query<{ kind: string }[]>(
      `SELECT DISTINCT kind::text AS kind FROM consents
        WHERE enrollment_id = $1 AND revoked_at IS NULL AND kind IN ('participation', 'guardian')`,
      [enrollmentId],
    );
    return new Set(rows.map((row) => row.kind));
  }
}
