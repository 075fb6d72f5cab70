import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Account lifecycle: the `records` role; row versions (ETag) and token versions (bumped when
 * a user is disabled or re-roled, or a client revoked, so tokens issued before stop working);
 * a client's previous secret, accepted until the end of a rotation's overlap; keyset indexes
 * for the admin lists, and partial indexes for the principal status every instance reloads.
 */
export class AccountLifecycle1764000800000 implements MigrationInterface {
  name = 'AccountLifecycle1764000800000';

  async up(db: QueryRunner): Promise<void> {
    // A new enum value may be added inside a transaction (PostgreSQL 12+) as long as that
    // transaction does not use it.
    await db.query(`ALTER TYPE user_role ADD VALUE IF NOT EXISTS 'records'`);
    await db.query(`
      ALTER TABLE users
        ADD COLUMN version integer NOT NULL DEFAULT 1 CHECK (version >= 1),
        ADD COLUMN token_version integer NOT NULL DEFAULT 1 CHECK (token_version >= 1);
      ALTER TABLE api_clients
        ADD COLUMN version integer NOT NULL DEFAULT 1 CHECK (version >= 1),
        ADD COLUMN token_version integer NOT NULL DEFAULT 1 CHECK (token_version >= 1),
        ADD COLUMN previous_secret_hash text,
        ADD COLUMN previous_secret_expires_at timestamptz,
        ADD COLUMN secret_rotated_at timestamptz,
        ADD CONSTRAINT api_clients_previous_secret_complete
          CHECK ((previous_secret_hash IS NULL) = (previous_secret_expires_at IS NULL));
      CREATE INDEX users_created_at_id ON users (created_at, id);
      CREATE INDEX api_clients_created_at_id ON api_clients (created_at, id);
      CREATE INDEX users_changed_status ON users (id)
        WHERE token_version > 1 OR disabled_at IS NOT NULL;
      CREATE INDEX api_clients_changed_status ON api_clients (id)
        WHERE token_version > 1 OR revoked_at IS NOT NULL;
    `);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`
      DO $$
      BEGIN
        IF EXISTS (SELECT 1 FROM users WHERE role = 'records') THEN
          RAISE EXCEPTION 'users with the records role exist: re-role them before reverting';
        END IF;
      END $$;
      DROP INDEX api_clients_changed_status;
      DROP INDEX users_changed_status;
      DROP INDEX api_clients_created_at_id;
      DROP INDEX users_created_at_id;
      ALTER TABLE api_clients
        DROP CONSTRAINT api_clients_previous_secret_complete,
        DROP COLUMN secret_rotated_at,
        DROP COLUMN previous_secret_expires_at,
        DROP COLUMN previous_secret_hash,
        DROP COLUMN token_version,
        DROP COLUMN version;
      ALTER TABLE users DROP COLUMN token_version, DROP COLUMN version;
      ALTER TYPE user_role RENAME TO user_role_with_records;
      CREATE TYPE user_role AS ENUM ('admin', 'coordinator', 'provider', 'court', 'auditor');
      ALTER TABLE users ALTER COLUMN role TYPE user_role USING role::text::user_role;
      DROP TYPE user_role_with_records;
    `);
  }
}
