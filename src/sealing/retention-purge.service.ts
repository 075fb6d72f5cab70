import { Injectable, Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { ArrestRecordsRepository } from '../arrest-records/arrest-records.repository';
import { SYSTEM_ACTOR } from '../audit/audit-entry';
import { AuditWriter } from '../audit/audit-writer.service';
import { IdempotencyStore } from '../common/idempotency/idempotency-store.repository';
import { OutboxRepository } from '../events/outbox.repository';
import { UnitOfWork } from '../infrastructure/database/unit-of-work';
import { DestructionRecord, PurgeCandidate, RetentionRepository } from './retention.repository';

/** Records per transaction: short transactions, however many fall due at once. */
const BATCH_SIZE = 100;

/** The rule a destruction record names (WIC 826: sealed records may be destroyed after N years). */
export function retentionRule(years: number): string {
  return `WIC 826: ${years} years after sealing`;
}

export interface PurgeRun {
  jobRunId: string;
  asOf: Date;
  operator: string;
  destroyed: DestructionRecord[];
}

/**
 * The retention purge (PRODUCT.md "Sealing, precisely"; WIC 826). For each sealed record
 * whose program's `retentionYears` have passed since sealing, in one transaction: its details
 * are destroyed (booking number, charges, location, arrest time), stored responses that
 * mention it are forgotten, its details are removed from stored events, a destruction record
 * is kept (which record, when, which rule, which run; no content) and an audit entry is
 * written as the system actor. A record is purged once, whichever instance gets it first.
 */
@Injectable()
export class RetentionPurgeService {
  private readonly logger = new Logger(RetentionPurgeService.name);

  constructor(
    private readonly uow: UnitOfWork,
    private readonly retention: RetentionRepository,
    private readonly arrestRecords: ArrestRecordsRepository,
    private readonly idempotency: IdempotencyStore,
    private readonly outbox: OutboxRepository,
    private readonly audit: AuditWriter,
  ) {}

  /** What a purge as of `asOf` would destroy (the dry run): nothing is changed or locked. */
  async plan(asOf: Date, limit = 10_000): Promise<PurgeCandidate[]> {
    return this.retention.dueForPurge(asOf, limit, false);
  }

  /** Purges everything due as of `asOf`, a batch per transaction. */
  async purge(options: { asOf: Date; operator: string; jobRunId?: string }): Promise<PurgeRun> {
    const run: PurgeRun = {
      jobRunId: options.jobRunId ?? randomUUID(),
      asOf: options.asOf,
      operator: options.operator,
      destroyed: [],
    };
    for (;;) {
      const batch = await this.uow.run(() => this.purgeBatch(run));
      run.destroyed.push(...batch);
      if (batch.length < BATCH_SIZE) break;
    }
    if (run.destroyed.length > 0) {
      this.logger.log(
        { jobRunId: run.jobRunId, destroyed: run.destroyed.length, operator: run.operator },
        'retention purge destroyed sealed arrest details',
      );
    }
    return run;
  }

  private async purgeBatch(run: PurgeRun): Promise<DestructionRecord[]> {
    const due = await this.retention.dueForPurge(run.asOf, BATCH_SIZE, true);
    const destroyed: DestructionRecord[] = [];
    for (const candidate of due) {
      if (!(await this.arrestRecords.purgeDetails(candidate.arrestRecordId))) continue;
      await this.idempotency.withdrawResponsesMentioning(candidate.arrestRecordId);
      await this.outbox.scrubArrestDetails(candidate.arrestRecordId);
      const rule = retentionRule(candidate.retentionYears);
      destroyed.push(
        await this.retention.recordDestruction({
          arrestRecordId: candidate.arrestRecordId,
          rule,
          jobRunId: run.jobRunId,
          operator: run.operator,
        }),
      );
      await this.audit.record([
        {
          actor: SYSTEM_ACTOR,
          action: 'arrest_record.purged',
          subjectType: 'arrest_record',
          subjectId: candidate.arrestRecordId,
          outcome: 'success',
          purpose: `${rule}; job run ${run.jobRunId}; operator ${run.operator}`.slice(0, 500),
          requestId: null,
        },
      ]);
    }
    return destroyed;
  }
}
