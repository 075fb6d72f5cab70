import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The audit trail becomes a verifiable log (RFC 9162 Merkle tree, signed checkpoints) built
 * after commit, instead of a hash chain extended under one row lock inside every request.
 *
 * - `audit_events` keeps the entries. Requests only INSERT into it (no lock shared by all
 *   requests); `txid` and `position` give the commit-safe order the sequencer reads them in
 *   (the same horizon rule as the outbox). The old chain columns go: the chain head was the
 *   lock every request queued on. Entries written before this migration keep their content
 *   and enter the log first (their txid is this migration's, below every later one).
 * - `audit_log`: position in the log (`seq`, the leaf index), the leaf hash of the entry's
 *   canonical bytes, and a running hash chain (`chain_hash`) that keeps API v1's
 *   `hash`/`prevHash` meaningful.
 * - `audit_tree_nodes`: hashes of every complete subtree above the leaves (level >= 1), so a
 *   root, an inclusion or a consistency proof of any size reads O(log n) rows.
 * - `audit_checkpoints`: signed checkpoints (C2SP tlog-checkpoint in a signed note, Ed25519).
 *
 * Every one of these tables refuses UPDATE, DELETE and TRUNCATE: only a superuser who
 * disables the triggers can rewrite them, and `verify` or a witness's older checkpoint shows it.
 */
export class VerifiableAuditLog1764000700000 implements MigrationInterface {
  name = 'VerifiableAuditLog1764000700000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      DROP TRIGGER audit_events_no_update ON audit_events;
      DROP TABLE audit_chain_head;
      DROP INDEX audit_events_subject;
      DROP INDEX audit_events_actor;
      ALTER TABLE audit_events RENAME COLUMN seq TO position;
      ALTER TABLE audit_events DROP COLUMN prev_hash, DROP COLUMN hash;
      ALTER TABLE audit_events
        ADD COLUMN request_id text CHECK (length(request_id) <= 128),
        ADD COLUMN txid xid8 NOT NULL DEFAULT pg_current_xact_id(),
        DROP CONSTRAINT audit_events_actor_kind_check,
        ADD CONSTRAINT audit_events_actor_kind_check
          CHECK (actor_kind IN ('user', 'client', 'system', 'anonymous')),
        ADD CONSTRAINT audit_events_outcome_check CHECK (outcome IN ('success', 'denied')),
        ADD CONSTRAINT audit_events_purpose_length CHECK (length(purpose) <= 500);

      -- The sequencer's read (commit order) and every filter of GET /audit-events, each in
      -- that same order so a filtered page is an index range scan.
      CREATE INDEX audit_events_commit_order ON audit_events (txid, position);
      CREATE INDEX audit_events_subject ON audit_events (subject_id, txid, position)
        WHERE subject_id IS NOT NULL;
      CREATE INDEX audit_events_actor ON audit_events (actor_id, txid, position)
        WHERE actor_id IS NOT NULL;
      CREATE INDEX audit_events_action ON audit_events (action, txid, position);
      CREATE INDEX audit_events_at ON audit_events (at);

      CREATE TABLE audit_log (
        seq bigint PRIMARY KEY CHECK (seq >= 0),
        event_id uuid NOT NULL UNIQUE REFERENCES audit_events (id),
        leaf_hash bytea NOT NULL CHECK (length(leaf_hash) = 32),
        chain_hash bytea NOT NULL CHECK (length(chain_hash) = 32)
      );

      CREATE TABLE audit_tree_nodes (
        level smallint NOT NULL CHECK (level BETWEEN 1 AND 62),
        index bigint NOT NULL CHECK (index >= 0),
        hash bytea NOT NULL CHECK (length(hash) = 32),
        PRIMARY KEY (level, index)
      );

      CREATE TABLE audit_checkpoints (
        tree_size bigint PRIMARY KEY CHECK (tree_size > 0),
        root_hash bytea NOT NULL CHECK (length(root_hash) = 32),
        origin text NOT NULL,
        key_id text NOT NULL,
        -- The whole signed note (checkpoint body, blank line, signature line), as served.
        note text NOT NULL,
        signed_at timestamptz NOT NULL DEFAULT clock_timestamp()
      );
      CREATE INDEX audit_checkpoints_signed_at ON audit_checkpoints (signed_at);

      CREATE FUNCTION audit_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP
          USING ERRCODE = 'insufficient_privilege';
      END $$;
      CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events
        FOR EACH ROW EXECUTE FUNCTION audit_refuse_change();
      CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events
        FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change();
      CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
        FOR EACH ROW EXECUTE FUNCTION audit_refuse_change();
      CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
        FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change();
      CREATE TRIGGER audit_tree_nodes_append_only BEFORE UPDATE OR DELETE ON audit_tree_nodes
        FOR EACH ROW EXECUTE FUNCTION audit_refuse_change();
      CREATE TRIGGER audit_tree_nodes_no_truncate BEFORE TRUNCATE ON audit_tree_nodes
        FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change();
      CREATE TRIGGER audit_checkpoints_append_only BEFORE UPDATE OR DELETE ON audit_checkpoints
        FOR EACH ROW EXECUTE FUNCTION audit_refuse_change();
      CREATE TRIGGER audit_checkpoints_no_truncate BEFORE TRUNCATE ON audit_checkpoints
        FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change();
    `);
  }

  async down(db: QueryRunner): Promise<void> {
    // The log tables are derived from the entries; the entries themselves are kept and get
    // the chain columns back (recomputed by nobody: a chain cannot be rebuilt honestly here).
    await db.query(`
      DROP TABLE audit_checkpoints;
      DROP TABLE audit_tree_nodes;
      DROP TABLE audit_log;
      DROP TRIGGER audit_events_no_truncate ON audit_events;
      DROP TRIGGER audit_events_append_only ON audit_events;
      DROP FUNCTION audit_refuse_change();
      DROP INDEX audit_events_at;
      DROP INDEX audit_events_action;
      DROP INDEX audit_events_actor;
      DROP INDEX audit_events_subject;
      DROP INDEX audit_events_commit_order;
      ALTER TABLE audit_events
        DROP CONSTRAINT audit_events_purpose_length,
        DROP CONSTRAINT audit_events_outcome_check,
        DROP CONSTRAINT audit_events_actor_kind_check,
        DROP COLUMN txid,
        DROP COLUMN request_id,
        ADD COLUMN prev_hash text NOT NULL DEFAULT repeat('0', 64),
        ADD COLUMN hash text NOT NULL DEFAULT repeat('0', 64);
      DELETE FROM audit_events WHERE actor_kind = 'anonymous';
      ALTER TABLE audit_events
        ADD CONSTRAINT audit_events_actor_kind_check CHECK (actor_kind IN ('user', 'client', 'system'));
      ALTER TABLE audit_events RENAME COLUMN position TO seq;
      CREATE INDEX audit_events_subject ON audit_events (subject_type, subject_id, seq);
      CREATE INDEX audit_events_actor ON audit_events (actor_id, seq);
      CREATE TABLE audit_chain_head (
        singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
        last_hash text NOT NULL
      );
      INSERT INTO audit_chain_head (last_hash) VALUES (repeat('0', 64));
      CREATE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'audit_events is append-only';
      END $$;
      CREATE TRIGGER audit_events_no_update BEFORE UPDATE OR DELETE ON audit_events
        FOR EACH ROW EXECUTE FUNCTION audit_events_append_only();
    `);
  }
}
