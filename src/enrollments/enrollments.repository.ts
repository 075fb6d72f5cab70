import { Injectable } from '@nestjs/common';
import { arrestRecordVisibleTo, enrollmentVisibleTo } from '../access-scope/visibility';
import { NotFoundError } from '../common/errors/domain-error';
import { Page, toPage } from '../common/pagination/pagination';
import { cursorTimestampSql, decodeTimeIdCursor } from '../common/pagination/time-id-cursor';
import { isUser, type Caller } from '../identity/access/caller';
import { UnitOfWork } from '../infrastructure/database/unit-of-work';
import { loadMilestoneViews } from '../milestones/milestone-views';
import { ConsentEntity } from './consent.entity';
import { connectedWithin24h } from './domain/connection-time';
import type {
  ConsentSummaryDto,
  EnrollmentDto,
  ExtensionDto,
  ListEnrollmentsQueryDto,
} from './dto/enrollment.dto';
import { EnrollmentEntity, EnrollmentExtensionEntity } from './enrollment.entity';

/**
 * Every read of enrollments goes through here, with the caller's scope in SQL: an
 * enrollment outside it is simply not found. Views are assembled with one query per kind of
 * child row (milestones, extensions, consents) for the whole page, never one per enrollment.
 */
@Injectable()
export class EnrollmentsRepository {
  constructor(private readonly uow: UnitOfWork) {}

  private scoped(caller: Caller) {
    const scope = enrollmentVisibleTo(caller, 'e');
    return this.uow.manager
      .getRepository(EnrollmentEntity)
      .createQueryBuilder('e')
      .where(scope.sql, scope.params);
  }

  async findVisible(caller: Caller, id: string): Promise<EnrollmentEntity> {
    const enrollment = await this.scoped(caller).andWhere('e.id = :id', { id }).getOne();
    if (!enrollment) throw new NotFoundError('Enrollment');
    return enrollment;
  }

  /**
   * The enrollment, locked FOR UPDATE until the transaction ends: every change to an
   * enrollment (status, end date, plan) starts here, so concurrent changes are serialised
   * and each decides on the current row, never on a stale read.
   */
  async lockVisible(caller: Caller, id: string): Promise<EnrollmentEntity> {
    if (!this.uow.inTransaction) throw new Error('lockVisible must run inside UnitOfWork.run');
    const enrollment = await this.scoped(caller)
      .andWhere('e.id = :id', { id })
      .setLock('pessimistic_write')
      .getOne();
    if (!enrollment) throw new NotFoundError('Enrollment');
    return enrollment;
  }

  /** Keyset page on (created_at, id), the timestamp kept to the microsecond in the cursor. */
  async listVisible(
    caller: Caller,
    query: ListEnrollmentsQueryDto,
  ): Promise<Page<EnrollmentEntity>> {
    const qb = this.scoped(caller)
      .addSelect(cursorTimestampSql('e.created_at'), 'cursor_at')
      .orderBy('e.createdAt', 'ASC')
      .addOrderBy('e.id', 'ASC')
      .limit(query.limit + 1);
    if (query.status) qb.andWhere('e.status = :status', { status: query.status });
    if (query.site) qb.andWhere('e.site = :site', { site: query.site });
    if (query.participantId) {
      qb.andWhere('e.participant_id = :participantId', { participantId: query.participantId });
    }
    if (query.providerAgencyId) {
      qb.andWhere(
        `EXISTS (SELECT 1 FROM milestones fm WHERE fm.enrollment_id = e.id
           AND fm.provider_agency_id = :providerAgencyId)`,
        { providerAgencyId: query.providerAgencyId },
      );
    }
    if (query.cursor) {
      qb.andWhere(
        '(e.created_at, e.id) > (:cursorAt::timestamptz, :cursorId::uuid)',
        decodeTimeIdCursor(query.cursor),
      );
    }
    const { entities, raw } = await qb.getRawAndEntities<{ e_id: string; cursor_at: string }>();
    const cursorOf = new Map(raw.map((row) => [row.e_id, row.cursor_at]));
    return toPage(
      entities,
      query.limit,
      (e) => [cursorOf.get(e.id) ?? '', e.id],
      (e) => e,
    );
  }

  /** The enrollments as the caller may see them, in the order given. */
  async present(caller: Caller, enrollments: EnrollmentEntity[]): Promise<EnrollmentDto[]> {
    if (enrollments.length === 0) return [];
    const manager = this.uow.manager;
    const ids = enrollments.map((e) => e.id);

    // The arrest record id only while the caller could open that record (never once sealed).
    const arrest = arrestRecordVisibleTo(caller, 'ar');
    const withVisibleArrest = await manager
      .createQueryBuilder()
      .select('e.id', 'id')
      .from(EnrollmentEntity, 'e')
      .innerJoin('arrest_records', 'ar', 'ar.id = e.arrest_record_id')
      .where('e.id IN (:...ids)', { ids })
      .andWhere(arrest.sql, arrest.params)
      .getRawMany<{ id: string }>();
    const arrestShown = new Set(withVisibleArrest.map((row) => row.id));

    const milestones = await loadMilestoneViews(manager, caller, { enrollmentIds: ids });
    const extensions = await manager
      .getRepository(EnrollmentExtensionEntity)
      .createQueryBuilder('x')
      .where('x.enrollment_id IN (:...ids)', { ids })
      .orderBy('x.grantedAt', 'ASC')
      .addOrderBy('x.id', 'ASC')
      .getMany();
    const consents = await manager
      .getRepository(ConsentEntity)
      .createQueryBuilder('c')
      .where('c.enrollment_id IN (:...ids)', { ids })
      .orderBy('c.createdAt', 'ASC')
      .addOrderBy('c.id', 'ASC')
      .getMany();

    // Names of signers and why an enrollment ended: the case workers' business only.
    const caseWorker = isUser(caller, 'coordinator', 'admin');
    const milestonesOf = groupBy(milestones, (m) => m.milestone.enrollmentId);
    const extensionsOf = groupBy(extensions, (x) => x.enrollmentId);
    const consentsOf = groupBy(consents, (c) => c.enrollmentId);
    const now = new Date();
    return enrollments.map((e) => ({
      id: e.id,
      participantId: e.participantId,
      arrestRecordId: arrestShown.has(e.id) ? e.arrestRecordId : null,
      programId: e.programId,
      ownerAgencyId: e.ownerAgencyId,
      site: e.site,
      status: e.status,
      startDate: e.startDate,
      scheduledEndDate: e.scheduledEndDate,
      extensions: (extensionsOf.get(e.id) ?? []).map((x): ExtensionDto => ({
        days: x.days,
        // Reasons can be medical (a hospitalisation): case workers only, like endReason.
        reason: caseWorker ? x.reason : null,
        grantedBy: x.grantedBy,
        grantedAt: x.grantedAt.toISOString(),
      })),
      milestones: (milestonesOf.get(e.id) ?? []).map((m) => m.dto),
      consents: (consentsOf.get(e.id) ?? []).map((c): ConsentSummaryDto => ({
        id: c.id,
        kind: c.kind,
        signedAt: c.signedAt.toISOString(),
        ...(caseWorker ? { signedBy: c.signedBy } : {}),
        serviceCategory: c.serviceCategory,
        recipientAgencyId: c.recipientAgencyId,
        expiresAt: c.expiresAt ? c.expiresAt.toISOString() : null,
        revoked: c.revokedAt !== null,
        revokedAt: c.revokedAt ? c.revokedAt.toISOString() : null,
      })),
      activatedAt: iso(e.activatedAt),
      firstServiceAt: iso(e.firstServiceAt),
      connectedWithin24h: connectedWithin24h(e.activatedAt, e.firstServiceAt, now),
      submittedForReviewAt: iso(e.submittedForReviewAt),
      completedAt: iso(e.completedAt),
      endedAt: iso(e.endedAt),
      endReason: caseWorker ? e.endReason : null,
      createdAt: e.createdAt.toISOString(),
      updatedAt: e.updatedAt.toISOString(),
    }));
  }
}

function iso(value: Date | null): string | null {
  return value ? value.toISOString() : null;
}

function groupBy<T>(items: T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const group = groups.get(key(item));
    if (group) group.push(item);
    else groups.set(key(item), [item]);
  }
  return groups;
}
