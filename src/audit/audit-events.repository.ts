import { Injectable } from '@nestjs/common';
import { UnitOfWork } from '../infrastructure/database/unit-of-work';
import type { NewAuditEntry } from './audit-entry';
import type { AuditLeafFields } from './log/audit-leaf';

/** `at` exactly as the leaf commits to it: UTC, microseconds (a JS Date would drop them). */
export const AUDIT_AT_SQL = `to_char(e.at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

/** The entry columns, in leaf-field names, for every read of `audit_events e`. */
export const AUDIT_ENTRY_COLUMNS = `e.id, ${AUDIT_AT_SQL} AS "at", e.actor_kind AS "actorKind",
  e.actor_id AS "actorId", e.actor_agency_id AS "actorAgencyId", e.action,
  e.subject_type AS "subjectType", e.subject_id AS "subjectId", e.outcome, e.purpose,
  e.request_id AS "requestId"`;

/** Where a page starts in commit order: after this (transaction id, position). */
export interface CommitOrderKey {
  txid: string;
  position: string;
}

export interface AuditEventFilter {
  subjectType?: string;
  subjectId?: string;
  actorId?: string;
  action?: string;
  outcome?: string;
  from?: string;
  to?: string;
}

/** An entry with its place in the log, once the sequencer has given it one. */
export interface AuditEventRow extends AuditLeafFields {
  txid: string;
  position: string;
  seq: string | null;
  leafHash: Buffer | null;
  chainHash: Buffer | null;
  prevChainHash: Buffer | null;
}

const ROW_COLUMNS = `${AUDIT_ENTRY_COLUMNS}, e.txid::text AS txid, e.position::text AS position,
  l.seq::text AS seq, l.leaf_hash AS "leafHash", l.chain_hash AS "chainHash",
  prev.chain_hash AS "prevChainHash"`;
const ROW_JOINS = `LEFT JOIN audit_log l ON l.event_id = e.id
  LEFT JOIN audit_log prev ON prev.seq = l.seq - 1`;

/** The entries of the audit trail: the only code that writes or reads `audit_events`. */
@Injectable()
export class AuditEventsRepository {
  constructor(private readonly uow: UnitOfWork) {}

  /**
   * Plain INSERTs, no lock shared with other requests: the log's order is given after commit
   * by the sequencer. One statement whatever the number of entries (a page of 500 is one
   * round trip), with a fixed parameter list so PostgreSQL plans it once.
   */
  async insert(entries: NewAuditEntry[]): Promise<void> {
    if (entries.length === 0) return;
    const column = <T>(pick: (entry: NewAuditEntry) => T): T[] => entries.map(pick);
    await this.uow.manager.query(
      `INSERT INTO audit_events (actor_kind, actor_id, actor_agency_id, action, subject_type,
         subject_id, outcome, purpose, request_id)
       SELECT * FROM unnest($1::text[], $2::uuid[], $3::uuid[], $4::text[], $5::text[],
         $6::uuid[], $7::text[], $8::text[], $9::text[])`,
      [
        column((e) => e.actor.kind),
        column((e) => e.actor.id),
        column((e) => e.actor.agencyId),
        column((e) => e.action),
        column((e) => e.subjectType),
        column((e) => e.subjectId),
        column((e) => e.outcome),
        column((e) => e.purpose),
        column((e) => e.requestId),
      ],
    );
  }

  /**
   * A page in log order: (txid, position) below the commit horizon, which is the order the
   * sequencer gives entries their `seq`, so the list and the log agree and no page skips an
   * entry that commits late. Each filter has an index on (column, txid, position).
   */
  async page(
    filter: AuditEventFilter,
    after: CommitOrderKey,
    limit: number,
  ): Promise<AuditEventRow[]> {
    const { sql, params } = auditPageQuery(filter, after, limit);
    return this.uow.manager.query<AuditEventRow[]>(sql, params);
  }

  async findById(id: string): Promise<AuditEventRow | null> {
    const [row] = await this.uow.manager.query<AuditEventRow[]>(
      `SELECT ${ROW_COLUMNS} FROM audit_events e ${ROW_JOINS} WHERE e.id = $1`,
      [id],
    );
    return row ?? null;
  }
}

/** The SQL of one page (exported so a test can EXPLAIN exactly what runs). */
export function auditPageQuery(
  filter: AuditEventFilter,
  after: CommitOrderKey,
  limit: number,
): { sql: string; params: unknown[] } {
  const params: unknown[] = [after.txid, after.position];
  const where = [
    'e.txid < pg_snapshot_xmin(pg_current_snapshot())',
    '(e.txid, e.position) > ($1::xid8, $2::bigint)',
  ];
  const add = (sql: (placeholder: string) => string, value: unknown) => {
    params.push(value);
    where.push(sql(`$${params.length}`));
  };
  if (filter.subjectType !== undefined) add((p) => `e.subject_type = ${p}`, filter.subjectType);
  if (filter.subjectId !== undefined) add((p) => `e.subject_id = ${p}::uuid`, filter.subjectId);
  if (filter.actorId !== undefined) add((p) => `e.actor_id = ${p}::uuid`, filter.actorId);
  if (filter.action !== undefined) add((p) => `e.action = ${p}`, filter.action);
  if (filter.outcome !== undefined) add((p) => `e.outcome = ${p}`, filter.outcome);
  if (filter.from !== undefined) add((p) => `e.at >= ${p}::timestamptz`, filter.from);
  if (filter.to !== undefined) add((p) => `e.at < ${p}::timestamptz`, filter.to);
  params.push(limit);
  return {
    sql: `SELECT ${ROW_COLUMNS} FROM audit_events e ${ROW_JOINS}
           WHERE ${where.join(' AND ')}
           ORDER BY e.txid, e.position
           LIMIT $${params.length}`,
    params,
  };
}
