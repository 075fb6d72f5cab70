import { Injectable } from '@nestjs/common';
import { ArrestRecordsRepository } from '../arrest-records/arrest-records.repository';
import { IdempotencyStore } from '../common/idempotency/idempotency-store.repository';
import { Outbox } from '../events/outbox.service';
import { AuditContext } from '../infrastructure/audit-context/audit-context';
import { UnitOfWork } from '../infrastructure/database/unit-of-work';
import { agenciesHoldingCopies, type SealedArrestRecord } from './copy-holders';
import { SealingNoticesRepository } from './sealing-notices.repository';
import { SEALING_NOTICE_PERIOD_DAYS } from './statutory-clocks';

/** What a completion's sealing did: the record sealed and the notices sent. */
export interface SealingOutcome {
  arrestRecordId: string;
  sealedAt: Date;
  notices: { id: string; agencyId: string; createdAt: Date; dueAt: Date }[];
}

/**
 * Seals an arrest record when the court confirms completion (WIC 786.5): the record leaves
 * every ordinary read, and every agency holding a copy gets a sealing notice with its
 * 60-day clock and an `arrest_record.sealed` event addressed to it.
 */
@Injectable()
export class SealingService {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly arrestRecords: ArrestRecordsRepository,
    private readonly notices: SealingNoticesRepository,
    private readonly idempotency: IdempotencyStore,
    private readonly outbox: Outbox,
    private readonly auditContext: AuditContext,
  ) {}

  /**
   * Runs inside the completion's transaction only: the seal, the notices, the events and the
   * audit entries (noted for the request) commit with the enrollment's completion, or none
   * of them does.
   */
  async sealForCompletion(enrollment: {
    id: string;
    arrestRecordId: string;
  }): Promise<SealingOutcome> {
    if (!this.uow.inTransaction) {
      throw new Error('sealForCompletion must run inside the completion transaction');
    }
    const row = await this.arrestRecords.seal(enrollment.arrestRecordId);
    if (!row) throw new Error('the enrollment arrest record is not open: it cannot be sealed');
    const record: SealedArrestRecord = {
      id: row.id,
      arrestingAgencyId: row.arrestingAgencyId,
      ownerAgencyId: row.ownerAgencyId,
    };
    const agencies = agenciesHoldingCopies(record, await this.arrestRecords.disclosedTo(record.id));
    const notices = await this.notices.createForHolders(
      { enrollmentId: enrollment.id, arrestRecordId: record.id },
      agencies,
      SEALING_NOTICE_PERIOD_DAYS,
    );

    // Addressed to each notified agency (whatever it subscribed to): ids and dates only,
    // never the booking number, charges or arrest date.
    await this.outbox.emit(
      ...notices.map((notice) => ({
        type: 'arrest_record.sealed' as const,
        agencyId: notice.agency_id,
        data: {
          arrestRecordId: record.id,
          enrollmentId: enrollment.id,
          sealedAt: row.sealedAt.toISOString(),
          sealingNoticeId: notice.id,
          dueAt: notice.due_at.toISOString(),
        },
      })),
    );
    // Responses kept for Idempotency-Key replays must not bring the sealed record back.
    await this.idempotency.withdrawResponsesMentioning(record.id);
    this.auditContext.add(
      { action: 'arrest_record.sealed', subjectType: 'arrest_record', subjectId: record.id },
      ...notices.map((notice) => ({
        action: 'sealing_notice.created',
        subjectType: 'sealing_notice',
        subjectId: notice.id,
      })),
    );
    return {
      arrestRecordId: record.id,
      sealedAt: row.sealedAt,
      notices: notices.map((notice) => ({
        id: notice.id,
        agencyId: notice.agency_id,
        createdAt: notice.created_at,
        dueAt: notice.due_at,
      })),
    };
  }
}
