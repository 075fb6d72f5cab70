import { Injectable } from '@nestjs/common';
import { UnitOfWork } from '../infrastructure/database/unit-of-work';
import { AUDIT_ENTRY_COLUMNS } from './audit-events.repository';
import type { AuditLeafFields } from './log/audit-leaf';

/** Any number: every instance that runs the sequencer takes the same lock. */
const SEQUENCER_LOCK_KEY = 7_100_786_5;

export interface SubtreeRow {
  level: number;
  index: number;
  hash: Buffer;
}

/** The last entry given a place in the log: where the next sequencing run starts. */
export interface LogHead {
  treeSize: number;
  txid: string;
  position: string;
  chainHash: Buffer;
}

export interface PendingEntry extends AuditLeafFields {
  txid: string;
  position: string;
}

export interface LogLeafRow {
  seq: number;
  id: string;
  leafHash: Buffer;
  chainHash: Buffer;
  /** Null when the entry's row is gone (only a superuser can do that). */
  entry: AuditLeafFields | null;
}

export interface CheckpointRow {
  treeSize: number;
  rootHash: Buffer;
  origin: string;
  keyId: string;
  note: string;
  signedAt: Date;
  /** How long ago it was signed, by the database's clock (the one every instance shares). */
  ageMs: number;
}

const CHECKPOINT_COLUMNS = `tree_size::float8 AS "treeSize", root_hash AS "rootHash", origin,
  key_id AS "keyId", note, signed_at AS "signedAt",
  (extract(epoch FROM clock_timestamp() - signed_at) * 1000)::float8 AS "ageMs"`;

/**
 * The log built over the entries: positions (`audit_log`), complete subtrees
 * (`audit_tree_nodes`) and signed checkpoints. Written only by the sequencer, inside its
 * transaction; read by the proofs and `verify`.
 */
@Injectable()
export class AuditLogRepository {
  constructor(private readonly uow: UnitOfWork) {}

  /** Exactly one sequencer at a time across instances; released when its transaction ends. */
  async tryLockSequencer(): Promise<boolean> {
    const [{ locked }] = await this.uow.manager.query<{ locked: boolean }[]>(
      `SELECT pg_try_advisory_xact_lock($1) AS locked`,
      [SEQUENCER_LOCK_KEY],
    );
    return locked;
  }

  async head(): Promise<LogHead | null> {
    const [row] = await this.uow.manager.query<
      { seq: string; txid: string; position: string; chain_hash: Buffer }[]
    >(
      `SELECT l.seq::text AS seq, e.txid::text AS txid, e.position::text AS position, l.chain_hash
         FROM audit_log l JOIN audit_events e ON e.id = l.event_id
        ORDER BY l.seq DESC LIMIT 1`,
    );
    return row
      ? {
          treeSize: Number(row.seq) + 1,
          txid: row.txid,
          position: row.position,
          chainHash: row.chain_hash,
        }
      : null;
  }

  /**
   * How far the sequencer is behind: committed entries not yet in the log, and the age of the
   * oldest of them (0 when none).
   */
  async sequencerLag(): Promise<{ pending: number; oldestSeconds: number }> {
    const [row] = await this.uow.manager.query<{ pending: number; oldestSeconds: number }[]>(
      `WITH head AS (
         SELECT e.txid, e.position FROM audit_log l JOIN audit_events e ON e.id = l.event_id
          ORDER BY l.seq DESC LIMIT 1)
       SELECT count(*)::int AS pending,
              coalesce(extract(epoch FROM now() - min(e.at)), 0)::float8 AS "oldestSeconds"
         FROM audit_events e
         LEFT JOIN head h ON TRUE
        WHERE h.txid IS NULL OR (e.txid, e.position) > (h.txid, h.position)`,
    );
    return row;
  }

  async treeSize(): Promise<number> {
    const [row] = await this.uow.manager.query<{ size: string }[]>(
      `SELECT coalesce(max(seq) + 1, 0)::text AS size FROM audit_log`,
    );
    return Number(row.size);
  }

  /**
   * Committed entries after `head`, in commit order: below the horizon no transaction can
   * still add an entry, so none is skipped and none is taken twice.
   */
  async pending(after: { txid: string; position: string }, limit: number): Promise<PendingEntry[]> {
    return this.uow.manager.query<PendingEntry[]>(
      `SELECT ${AUDIT_ENTRY_COLUMNS}, e.txid::text AS txid, e.position::text AS position
         FROM audit_events e
        WHERE (e.txid, e.position) > ($1::xid8, $2::bigint)
          AND e.txid < pg_snapshot_xmin(pg_current_snapshot())
        ORDER BY e.txid, e.position
        LIMIT $3`,
      [after.txid, after.position, limit],
    );
  }

  /** The hashes of the given complete subtrees (level 0: leaves), in one query. */
  async subtrees(keys: { level: number; index: number }[]): Promise<SubtreeRow[]> {
    if (keys.length === 0) return [];
    return this.uow.manager
      .query<SubtreeRow[]>(
        `SELECT k.level, k.index, coalesce(l.leaf_hash, n.hash) AS hash
         FROM unnest($1::int[], $2::bigint[]) AS k (level, index)
         LEFT JOIN audit_log l ON k.level = 0 AND l.seq = k.index
         LEFT JOIN audit_tree_nodes n ON n.level = k.level AND n.index = k.index`,
        [keys.map((k) => k.level), keys.map((k) => k.index)],
      )
      .then((rows) =>
        rows
          .filter((row) => row.hash !== null)
          .map((row) => ({ level: Number(row.level), index: Number(row.index), hash: row.hash })),
      );
  }

  async append(
    leaves: { seq: number; eventId: string; leafHash: Buffer; chainHash: Buffer }[],
    nodes: SubtreeRow[],
  ): Promise<void> {
    if (leaves.length > 0) {
      await this.uow.manager.query(
        `INSERT INTO audit_log (seq, event_id, leaf_hash, chain_hash)
         SELECT * FROM unnest($1::bigint[], $2::uuid[], $3::bytea[], $4::bytea[])`,
        [
          leaves.map((l) => l.seq),
          leaves.map((l) => l.eventId),
          leaves.map((l) => l.leafHash),
          leaves.map((l) => l.chainHash),
        ],
      );
    }
    if (nodes.length > 0) {
      await this.uow.manager.query(
        `INSERT INTO audit_tree_nodes (level, index, hash)
         SELECT * FROM unnest($1::smallint[], $2::bigint[], $3::bytea[])`,
        [nodes.map((n) => n.level), nodes.map((n) => n.index), nodes.map((n) => n.hash)],
      );
    }
  }

  async latestCheckpoint(): Promise<CheckpointRow | null> {
    const [row] = await this.uow.manager.query<CheckpointRow[]>(
      `SELECT ${CHECKPOINT_COLUMNS} FROM audit_checkpoints ORDER BY tree_size DESC LIMIT 1`,
    );
    return row ?? null;
  }

  async insertCheckpoint(
    checkpoint: Omit<CheckpointRow, 'signedAt' | 'ageMs'>,
  ): Promise<CheckpointRow> {
    const [row] = await this.uow.manager.query<CheckpointRow[]>(
      `INSERT INTO audit_checkpoints (tree_size, root_hash, origin, key_id, note)
       VALUES ($1, $2, $3, $4, $5) RETURNING ${CHECKPOINT_COLUMNS}`,
      [
        checkpoint.treeSize,
        checkpoint.rootHash,
        checkpoint.origin,
        checkpoint.keyId,
        checkpoint.note,
      ],
    );
    return row;
  }

  /** Every checkpoint, smallest first, for `verify`. */
  async checkpoints(): Promise<CheckpointRow[]> {
    return this.uow.manager.query<CheckpointRow[]>(
      `SELECT ${CHECKPOINT_COLUMNS} FROM audit_checkpoints ORDER BY tree_size`,
    );
  }

  /**
   * Log positions `[from, from + limit)` with their entries, for `verify`. Positions with no
   * row come back missing (the caller sees the gap); an entry whose row is gone has `entry`
   * null.
   */
  async leaves(from: number, limit: number): Promise<LogLeafRow[]> {
    const rows = await this.uow.manager.query<
      (Partial<AuditLeafFields> & {
        seq: string;
        event_id: string;
        leaf_hash: Buffer;
        chain_hash: Buffer;
        present: boolean;
      })[]
    >(
      `SELECT l.seq::text AS seq, l.event_id, l.leaf_hash, l.chain_hash, e.id IS NOT NULL AS present,
              ${AUDIT_ENTRY_COLUMNS}
         FROM audit_log l LEFT JOIN audit_events e ON e.id = l.event_id
        WHERE l.seq >= $1 AND l.seq < $2
        ORDER BY l.seq`,
      [from, from + limit],
    );
    return rows.map((row) => ({
      seq: Number(row.seq),
      id: row.event_id,
      leafHash: row.leaf_hash,
      chainHash: row.chain_hash,
      entry: row.present
        ? {
            id: row.event_id,
            at: row.at!,
            actorKind: row.actorKind!,
            actorId: row.actorId ?? null,
            actorAgencyId: row.actorAgencyId ?? null,
            action: row.action!,
            subjectType: row.subjectType!,
            subjectId: row.subjectId ?? null,
            outcome: row.outcome!,
            purpose: row.purpose ?? null,
            requestId: row.requestId ?? null,
          }
        : null,
    }));
  }

  /** Stored subtrees (level >= 1) lying within leaves `[from, to)`, for `verify`. */
  async nodesWithin(from: number, to: number): Promise<SubtreeRow[]> {
    const rows = await this.uow.manager.query<{ level: number; index: string; hash: Buffer }[]>(
      `SELECT level, index::text AS index, hash FROM audit_tree_nodes
        WHERE index >= ($1::bigint >> level) AND index < ($2::bigint >> level)`,
      [from, to],
    );
    return rows.map((r) => ({ level: Number(r.level), index: Number(r.index), hash: r.hash }));
  }
}
