import { Injectable } from '@nestjs/common';
import { UnitOfWork } from '../infrastructure/database/unit-of-work';

/** A pending notice whose 60-day deadline has passed, just marked as reported overdue. */
export interface OverdueSealingNotice {
  id: string;
  enrollmentId: string;
  arrestRecordId: string;
  agencyId: string;
  dueAt: Date;
}

/** The `sealing_notices` table. */
@Injectable()
export class SealingNoticesRepository {
  constructor(private readonly uow: UnitOfWork) {}

  /**
   * Marks up to `limit` pending notices past their due date as reported overdue, each once
   * (`overdue_reported_at`), and returns them. Rows another transaction is marking are
   * skipped, not waited for, so instances running this at once never report one twice.
   */
  async markOverdueOnce(limit: number): Promise<OverdueSealingNotice[]> {
    return this.uow.manager.query<OverdueSealingNotice[]>(
      // A CTE so the driver returns plain rows (a bare UPDATE ... RETURNING comes back as [rows, count]).
      `WITH reported AS (
         UPDATE sealing_notices SET overdue_reported_at = now()
          WHERE id IN (SELECT id FROM sealing_notices
                        WHERE status = 'pending' AND due_at < now() AND overdue_reported_at IS NULL
                        ORDER BY due_at LIMIT $1 FOR UPDATE SKIP LOCKED)
          RETURNING id, enrollment_id, arrest_record_id, agency_id, due_at)
       SELECT id, enrollment_id AS "enrollmentId", arrest_record_id AS "arrestRecordId",
              agency_id AS "agencyId", due_at AS "dueAt"
         FROM reported`,
      [limit],
    );
  }
}
