import { DataSource } from 'typeorm';

/**
 * Every table a request could change. The audit trail, login failures and idempotency
 * records are left out: a refused request is audited (and may count as a failure) by design.
 */
const WATCHED_TABLES = [
  'agencies',
  'api_clients',
  'arrest_record_disclosures',
  'arrest_records',
  'attendance_records',
  'consents',
  'court_reviews',
  'destruction_records',
  'enrollment_extensions',
  'enrollments',
  'milestone_changes',
  'milestones',
  'outbox_events',
  'participant_corrections',
  'participants',
  'programs',
  'sealing_notices',
  'users',
  'webhook_deliveries',
  'webhook_delivery_attempts',
  'webhook_subscriptions',
];

/**
 * A digest of each watched table's whole content: two equal snapshots mean the requests
 * between them changed nothing (compare with toEqual: a difference names the table).
 */
export async function databaseSnapshot(db: DataSource): Promise<Record<string, string>> {
  const digests: Record<string, string> = {};
  for (const table of WATCHED_TABLES) {
    const [row] = await db.query<{ digest: string }[]>(
      `SELECT md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) AS digest FROM ${table} t`,
    );
    digests[table] = row.digest;
  }
  return digests;
}
