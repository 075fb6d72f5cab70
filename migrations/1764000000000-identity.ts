import { MigrationInterface, QueryRunner } from 'typeorm';

/** Agencies, people, machine clients and the sign-in failure counter. */
export class Identity1764000000000 implements MigrationInterface {
  name = 'Identity1764000000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TYPE agency_kind AS ENUM ('district_attorney', 'law_enforcement', 'probation', 'court',
        'service_provider', 'child_welfare', 'ngo', 'system');
      CREATE TYPE user_role AS ENUM ('admin', 'coordinator', 'provider', 'court', 'auditor');

      CREATE TABLE agencies (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 200),
        kind agency_kind NOT NULL,
        services text[] NOT NULL DEFAULT '{}'
          CHECK (services <@ ARRAY['mental_health', 'substance_abuse', 'education', 'shelter']),
        created_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE UNIQUE INDEX agencies_name_unique ON agencies (lower(name));
      CREATE INDEX agencies_created_at_id ON agencies (created_at, id);

      CREATE TABLE users (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        email text NOT NULL CHECK (email = lower(email)),
        display_name text NOT NULL CHECK (length(btrim(display_name)) BETWEEN 1 AND 200),
        role user_role NOT NULL,
        agency_id uuid NOT NULL REFERENCES agencies (id),
        password_hash text NOT NULL,
        disabled_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE UNIQUE INDEX users_email_unique ON users (email);
      CREATE INDEX users_agency_id ON users (agency_id);

      CREATE TABLE api_clients (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        client_id text NOT NULL UNIQUE,
        name text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 200),
        agency_id uuid NOT NULL REFERENCES agencies (id),
        scopes text[] NOT NULL CHECK (cardinality(scopes) > 0),
        secret_hash text NOT NULL,
        revoked_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX api_clients_agency_id ON api_clients (agency_id);

      CREATE TABLE auth_failures (
        account_key text PRIMARY KEY,
        failures integer NOT NULL CHECK (failures >= 0),
        locked_until timestamptz,
        last_failure_at timestamptz NOT NULL
      );
    `);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`
      DROP TABLE auth_failures;
      DROP TABLE api_clients;
      DROP TABLE users;
      DROP TABLE agencies;
      DROP TYPE user_role;
      DROP TYPE agency_kind;
    `);
  }
}
