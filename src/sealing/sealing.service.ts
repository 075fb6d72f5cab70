import { Injectable } from '@nestjs/common';
import { Outbox } from '../events/outbox.service';
import { AuditContext } from '../infrastructure/audit-context/audit-context';
import { UnitOfWork } from '../infrastructure/database/unit-of-work';
import { agenciesHoldingCopies, type SealedArrestRecord } from './copy-holders';
import { SEALING_NOTICE_PERIOD_DAYS, statutoryDeadlineSql } from './statutory-clocks';

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
    const manager = this.uow.manager;
    // The UPDATE locks the row; `status = 'open'` makes sealing happen exactly once.
    const [sealed] = await manager.query<
      [
        { id: string; arresting_agency_id: string; owner_agency_id: string; sealed_at: Date }[],
        number,
      ]
    >(
      `UPDATE arrest_records SET status = 'sealed', sealed_at = now()
        WHERE id = $1 AND status = 'open'
        RETURNING id, arresting_agency_id, owner_agency_id, sealed_at`,
      [enrollment.arrestRecordId],
    );
    const row = sealed[0];
    if (!row) throw new Error('the enrollment arrest record is not open: it cannot be sealed');
    const record: SealedArrestRecord = {
      id: row.id,
      arrestingAgencyId: row.arresting_agency_id,
      ownerAgencyId: row.owner_agency_id,
    };

    const recipients = await manager.query<{ agency_id: string }[]>(
      `SELECT agency_id FROM arrest_record_disclosures WHERE arrest_record_id = $1 ORDER BY first_disclosed_at`,
      [record.id],
    );
    const agencies = agenciesHoldingCopies(
      record,
      recipients.map((r) => r.agency_id),
    );
    const notices = await manager.query<
      { id: string; agency_id: string; created_at: Date; due_at: Date }[]
    >(
      `INSERT INTO sealing_notices (enrollment_id, arrest_record_id, agency_id, due_at)
       SELECT $1, $2, holder.agency_id, ${statutoryDeadlineSql('now()', '$4::int')}
         FROM unnest($3::uuid[]) WITH ORDINALITY AS holder (agency_id, position)
        ORDER BY holder.position
       RETURNING id, agency_id, created_at, due_at`,
      [enrollment.id, record.id, agencies, SEALING_NOTICE_PERIOD_DAYS],
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
          sealedAt: row.sealed_at.toISOString(),
          sealingNoticeId: notice.id,
          dueAt: notice.due_at.toISOString(),
        },
      })),
    );
    // Responses kept for Idempotency-Key replays must not bring the sealed record back.
    await manager.query(`DELETE FROM idempotency_keys WHERE strpos(response_body::text, $1) > 0`, [
      record.id,
    ]);
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
      sealedAt: row.sealed_at,
      notices: notices.map((notice) => ({
        id: notice.id,
        agencyId: notice.agency_id,
        createdAt: notice.created_at,
        dueAt: notice.due_at,
      })),
    };
  }
}
