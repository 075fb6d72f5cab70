import { DataSource } from 'typeorm';
import type { TestApp } from './test-app';
import { eventually } from './webhook-receiver';

/**
 * Waits until every outbox event written so far is below the feed's commit horizon. The
 * horizon is cluster-wide on a real server, so a transaction of another test file can hold
 * fresh events back for a moment; after this, what the feed shows (or omits) is final.
 */
export async function outboxSettled(t: TestApp): Promise<void> {
  const db = t.app.get(DataSource);
  await eventually(async () => {
    const [row] = await db.query<{ settled: boolean }[]>(
      `SELECT coalesce(max(txid) < pg_snapshot_xmin(pg_current_snapshot()), true) AS settled
         FROM outbox_events`,
    );
    if (!row.settled) throw new Error('outbox events still behind the commit horizon');
  }, 20000);
}
