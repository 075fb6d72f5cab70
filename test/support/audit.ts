import { DataSource } from 'typeorm';
import { AuditSequencer } from '../../src/audit/jobs/audit-sequencer.job';
import type { TestApp } from './test-app';
import { eventually } from './webhook-receiver';

/**
 * Waits until every audit entry committed so far is in the log. The commit horizon is the
 * whole PostgreSQL cluster's: while another test file's transaction is open, entries that
 * committed after it began wait (the sequencer never skips one), so poll instead of assuming.
 */
export async function auditSettled(
  t: TestApp,
  options: { forceCheckpoint?: boolean } = {},
): Promise<void> {
  const sequencer = t.app.get(AuditSequencer);
  const db = t.app.get(DataSource);
  await eventually(
    async () => {
      await sequencer.runUntilIdle(options);
      const [row] = await db.query(
        `SELECT count(*)::int AS unlogged FROM audit_events e
          WHERE NOT EXISTS (SELECT 1 FROM audit_log l WHERE l.event_id = e.id)`,
      );
      expect(row.unlogged).toBe(0);
    },
    30000,
    50,
  );
}
