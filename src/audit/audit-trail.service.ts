import { Injectable } from '@nestjs/common';
import { createHash, randomUUID } from 'node:crypto';
import type { Caller } from '../identity/access/caller';
import { UnitOfWork } from '../infrastructure/database/unit-of-work';

export interface AuditEntry {
  action: string;
  subjectType: string;
  subjectId?: string | null;
  /** Required for access to sealed records: why the record was opened. */
  purpose?: string | null;
  outcome?: 'success' | 'denied';
}

/** The fields a hash covers, in a fixed order, so verification can recompute it. */
export function auditHash(
  prevHash: string,
  row: {
    id: string;
    at: string;
    actorId: string | null;
    actorKind: string;
    actorAgencyId: string | null;
    action: string;
    subjectType: string;
    subjectId: string | null;
    purpose: string | null;
    outcome: string;
  },
): string {
  const canonical = JSON.stringify([
    prevHash,
    row.id,
    row.at,
    row.actorId,
    row.actorKind,
    row.actorAgencyId,
    row.action,
    row.subjectType,
    row.subjectId,
    row.purpose,
    row.outcome,
  ]);
  return createHash('sha256').update(canonical).digest('hex');
}

/**
 * Appends to the hash-chained audit trail inside the caller's transaction: the entry commits
 * with the change (or read) it records, or not at all. Appends are serialised on the chain
 * head row, so the chain has exactly one order.
 */
@Injectable()
export class AuditTrail {
  constructor(private readonly uow: UnitOfWork) {}

  async record(actor: Caller | 'system', entry: AuditEntry): Promise<void> {
    await this.recordMany(actor, [entry]);
  }

  /**
   * Appends several entries with one lock of the chain head, one clock reading and one
   * INSERT, whatever their number (a page of 500 records read is one append, not 1,500 queries).
   */
  async recordMany(actor: Caller | 'system', entries: AuditEntry[]): Promise<void> {
    if (entries.length === 0) return;
    await this.uow.run(async (manager) => {
      const [head] = await manager.query<{ last_hash: string; at: string }[]>(
        `SELECT last_hash, to_char(clock_timestamp() AT TIME ZONE 'UTC',
           'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS at
           FROM audit_chain_head WHERE singleton FOR UPDATE`,
      );
      let prevHash = head.last_hash;
      const values: unknown[] = [];
      const rows = entries.map((entry, i) => {
        const fields = {
          id: randomUUID(),
          at: head.at,
          actorId: actor === 'system' ? null : actor.id,
          actorKind: actor === 'system' ? 'system' : actor.kind,
          actorAgencyId: actor === 'system' ? null : actor.agencyId,
          action: entry.action,
          subjectType: entry.subjectType,
          subjectId: entry.subjectId ?? null,
          purpose: entry.purpose ?? null,
          outcome: entry.outcome ?? 'success',
        };
        const hash = auditHash(prevHash, fields);
        values.push(
          fields.id,
          fields.at,
          fields.actorId,
          fields.actorKind,
          fields.actorAgencyId,
          fields.action,
          fields.subjectType,
          fields.subjectId,
          fields.purpose,
          fields.outcome,
          prevHash,
          hash,
        );
        prevHash = hash;
        const p = i * 12;
        return `($${p + 1}, $${p + 2}::timestamptz, $${p + 3}::uuid, $${p + 4}, $${p + 5}::uuid, $${p + 6},
          $${p + 7}, $${p + 8}::uuid, $${p + 9}, $${p + 10}, $${p + 11}, $${p + 12})`;
      });
      // Rows get their seq in VALUES order, which is the chain order.
      await manager.query(
        `INSERT INTO audit_events (id, at, actor_id, actor_kind, actor_agency_id, action, subject_type,
           subject_id, purpose, outcome, prev_hash, hash)
         VALUES ${rows.join(', ')}`,
        values,
      );
      await manager.query(`UPDATE audit_chain_head SET last_hash = $1 WHERE singleton`, [prevHash]);
    });
  }
}
