import { Injectable } from '@nestjs/common';
import { UnitOfWork } from '../infrastructure/database/unit-of-work';

/** A sealed record whose retention period is over at the time asked about. */
export interface PurgeCandidate {
  arrestRecordId: string;
  sealedAt: Date;
  retentionYears: number;
  /** sealedAt + retentionYears: from when the details may be destroyed. */
  dueAt: Date;
}

/** The proof of destruction: what, when, under which rule, by which run. Never the content. */
export interface DestructionRecord {
  id: string;
  arrestRecordId: string;
  destroyedAt: Date;
  rule: string;
  jobRunId: string;
  operator: string;
}

/**
 * The retention purge's data: which sealed records are due (their enrollment's program says
 * how many years), and `destruction_records`, which only this repository writes.
 */
@Injectable()
export class RetentionRepository {
  constructor(private readonly uow: UnitOfWork) {}

  /**
   * Sealed, not yet purged records whose retention ended at or before `asOf`, oldest due
   * first. `lock`: the rows are locked for the caller's transaction, and rows another
   * instance is purging are skipped, not waited for (so two runs never purge one twice).
   */
  async dueForPurge(asOf: Date, limit: number, lock: boolean): Promise<PurgeCandidate[]> {
    return this.uow.manager.query<PurgeCandidate[]>(
      `SELECT ar.id AS "arrestRecordId", ar.sealed_at AS "sealedAt",
              p.retention_years AS "retentionYears",
              ar.sealed_at + make_interval(years => p.retention_years) AS "dueAt"
         FROM arrest_records ar
         JOIN LATERAL (SELECT e.program_id FROM enrollments e
                        WHERE e.arrest_record_id = ar.id AND e.status = 'completed'
                        ORDER BY e.completed_at DESC LIMIT 1) en ON TRUE
         JOIN programs p ON p.id = en.program_id
        WHERE ar.status = 'sealed' AND ar.purged_at IS NULL
          AND ar.sealed_at + make_interval(years => p.retention_years) <= $1
        ORDER BY 4, 1
        LIMIT $2
        ${lock ? 'FOR UPDATE OF ar SKIP LOCKED' : ''}`,
      [asOf, limit],
    );
  }

  async recordDestruction(
    record: Omit<DestructionRecord, 'id' | 'destroyedAt'>,
  ): Promise<DestructionRecord> {
    const [row] = await this.uow.manager.query<DestructionRecord[]>(
      `INSERT INTO destruction_records (arrest_record_id, destroyed_at, rule, job_run_id, operator)
       VALUES ($1, now(), $2, $3, $4)
       RETURNING id, arrest_record_id AS "arrestRecordId", destroyed_at AS "destroyedAt", rule,
                 job_run_id AS "jobRunId", operator`,
      [record.arrestRecordId, record.rule, record.jobRunId, record.operator],
    );
    return row;
  }

  /** The destruction records of one run, in the order written. */
  async ofRun(jobRunId: string): Promise<DestructionRecord[]> {
    return this.uow.manager.query<DestructionRecord[]>(
      `SELECT id, arrest_record_id AS "arrestRecordId", destroyed_at AS "destroyedAt", rule,
              job_run_id AS "jobRunId", operator
         FROM destruction_records WHERE job_run_id = $1 ORDER BY destroyed_at, id`,
      [jobRunId],
    );
  }
}
