import { Injectable } from '@nestjs/common';
import { createHash } from 'node:crypto';
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
    await this.uow.run(async (manager) => {
      const [head] = await manager.query<{ last_hash: string }[]>(
        `SELECT last_hash FROM audit_chain_head WHERE singleton FOR UPDATE`,
      );
      const [row] = await manager.query<{ id: string; at: string }[]>(
        `SELECT gen_random_uuid() AS id, to_char(clock_timestamp() AT TIME ZONE 'UTC',
           'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS at`,
      );
      const fields = {
        id: row.id,
        at: row.at,
        actorId: actor === 'system' ? null : actor.id,
        actorKind: actor === 'system' ? 'system' : actor.kind,
        actorAgencyId: actor === 'system' ? null : actor.agencyId,
        action: entry.action,
        subjectType: entry.subjectType,
        subjectId: entry.subjectId ?? null,
        purpose: entry.purpose ?? null,
        outcome: entry.outcome ?? 'success',
      };
      const hash = auditHash(head.last_hash, fields);
      await manager.query(
        `INSERT INTO audit_events (id, at, actor_id, actor_kind, actor_agency_id, action, subject_type,
           subject_id, purpose, outcome, prev_hash, hash)
         VALUES ($1, $2::timestamptz, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
        [
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
          head.last_hash,
          hash,
        ],
      );
      await manager.query(`UPDATE audit_chain_head SET last_hash = $1 WHERE singleton`, [hash]);
    });
  }
}
