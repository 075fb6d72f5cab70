import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The program workflow: programs, participants, arrest records, enrollments and their
 * consents, extensions, service-plan milestones, attendance, court reviews, sealing notices,
 * the transactional outbox and the hash-chained audit trail.
 *
 * Rules that must hold whatever the code does live here as constraints: one open enrollment
 * per arrest record (partial unique index), one milestone per category, externalId unique per
 * provider agency, an enrollment's arrest record belongs to its participant (composite FK).
 */
export class ProgramWorkflow1764000100000 implements MigrationInterface {
  name = 'ProgramWorkflow1764000100000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TYPE service_category AS ENUM ('mental_health', 'substance_abuse', 'education', 'shelter');
      CREATE TYPE enrollment_status AS ENUM ('pending_consent', 'active', 'pending_court_review',
        'completed', 'withdrawn', 'terminated');
      CREATE TYPE consent_kind AS ENUM ('participation', 'guardian', 'information_sharing');
      CREATE TYPE attendance_status AS ENUM ('present', 'absent', 'excused');
      CREATE TYPE arrest_record_status AS ENUM ('open', 'sealed');
      CREATE TYPE court_decision AS ENUM ('confirmed', 'rejected');
      CREATE TYPE sealing_notice_status AS ENUM ('pending', 'acknowledged');

      -- The program's settings: read by every computation, never spread as literals.
      CREATE TABLE programs (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        code text NOT NULL UNIQUE,
        name text NOT NULL,
        length_days integer NOT NULL CHECK (length_days > 0),
        guardian_consent_required boolean NOT NULL DEFAULT false,
        sites text[] NOT NULL DEFAULT '{}',
        created_at timestamptz NOT NULL DEFAULT now()
      );
      INSERT INTO programs (code, name, length_days) VALUES ('first-step', 'First Step', 70);

      CREATE SEQUENCE participant_case_number_seq;
      -- FS-<year>-<at least 6 digits>: a sequence, so concurrent registrations never collide.
      CREATE FUNCTION next_case_number() RETURNS text LANGUAGE sql VOLATILE AS $$
        SELECT 'FS-' || to_char(now() AT TIME ZONE 'UTC', 'YYYY') || '-' ||
          lpad(n::text, greatest(6, length(n::text)), '0')
        FROM (SELECT nextval('participant_case_number_seq') AS n) AS next
      $$;

      CREATE TABLE participants (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        case_number text NOT NULL UNIQUE DEFAULT next_case_number(),
        owner_agency_id uuid NOT NULL REFERENCES agencies (id),
        first_name text NOT NULL CHECK (length(btrim(first_name)) BETWEEN 1 AND 100),
        last_name text NOT NULL CHECK (length(btrim(last_name)) BETWEEN 1 AND 100),
        -- Lower-cased, accents stripped: the keys the prefix search uses.
        first_name_key text NOT NULL,
        last_name_key text NOT NULL,
        date_of_birth date NOT NULL,
        gender text,
        preferred_language text,
        guardian jsonb,
        created_by uuid NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX participants_owner_created ON participants (owner_agency_id, created_at, id);
      CREATE INDEX participants_first_name_key ON participants (first_name_key text_pattern_ops);
      CREATE INDEX participants_last_name_key ON participants (last_name_key text_pattern_ops);

      CREATE TABLE arrest_records (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        participant_id uuid NOT NULL REFERENCES participants (id),
        owner_agency_id uuid NOT NULL REFERENCES agencies (id),
        arresting_agency_id uuid NOT NULL REFERENCES agencies (id),
        -- An arrest, a detention or a citation (SB 1322): data, not an assumption.
        kind text NOT NULL DEFAULT 'arrest' CHECK (kind IN ('arrest', 'detention', 'citation')),
        booking_number text NOT NULL CHECK (length(btrim(booking_number)) BETWEEN 1 AND 100),
        arrested_at timestamptz NOT NULL,
        charges jsonb NOT NULL CHECK (jsonb_typeof(charges) = 'array'),
        location text,
        status arrest_record_status NOT NULL DEFAULT 'open',
        sealed_at timestamptz,
        created_by uuid NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        CHECK ((status = 'sealed') = (sealed_at IS NOT NULL)),
        UNIQUE (id, participant_id)
      );
      CREATE UNIQUE INDEX arrest_records_booking_unique ON arrest_records (arresting_agency_id, booking_number);
      CREATE INDEX arrest_records_participant ON arrest_records (participant_id, created_at, id);

      CREATE TABLE enrollments (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        program_id uuid NOT NULL REFERENCES programs (id),
        participant_id uuid NOT NULL REFERENCES participants (id),
        arrest_record_id uuid NOT NULL,
        owner_agency_id uuid NOT NULL REFERENCES agencies (id),
        site text NOT NULL CHECK (length(btrim(site)) BETWEEN 1 AND 100),
        status enrollment_status NOT NULL DEFAULT 'pending_consent',
        start_date date NOT NULL,
        scheduled_end_date date NOT NULL CHECK (scheduled_end_date > start_date),
        activated_at timestamptz,
        -- 24-hour rule: first 'present' attendance in any category.
        first_service_at timestamptz,
        submitted_for_review_at timestamptz,
        completed_at timestamptz,
        ended_at timestamptz,
        end_reason text,
        minor_notified_at timestamptz,
        minor_notification_method text,
        version integer NOT NULL DEFAULT 1,
        created_by uuid NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        FOREIGN KEY (arrest_record_id, participant_id) REFERENCES arrest_records (id, participant_id)
      );
      CREATE UNIQUE INDEX enrollments_one_open_per_arrest_record ON enrollments (arrest_record_id)
        WHERE status NOT IN ('withdrawn', 'terminated');
      CREATE INDEX enrollments_owner_created ON enrollments (owner_agency_id, created_at, id);
      CREATE INDEX enrollments_status_submitted ON enrollments (status, submitted_for_review_at, id);
      CREATE INDEX enrollments_participant ON enrollments (participant_id);

      CREATE TABLE enrollment_extensions (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        enrollment_id uuid NOT NULL REFERENCES enrollments (id),
        days integer NOT NULL CHECK (days BETWEEN 1 AND 365),
        reason text NOT NULL CHECK (length(btrim(reason)) BETWEEN 1 AND 1000),
        granted_by uuid NOT NULL,
        granted_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX enrollment_extensions_enrollment ON enrollment_extensions (enrollment_id, granted_at);

      CREATE TABLE consents (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        enrollment_id uuid NOT NULL REFERENCES enrollments (id),
        kind consent_kind NOT NULL,
        signed_by text NOT NULL CHECK (length(btrim(signed_by)) BETWEEN 1 AND 200),
        signed_at timestamptz NOT NULL,
        service_category service_category,
        recipient_agency_id uuid REFERENCES agencies (id),
        expires_at timestamptz,
        revoked_at timestamptz,
        revoke_reason text,
        revoked_by uuid,
        recorded_by uuid NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        CHECK (kind <> 'information_sharing' OR (service_category IS NOT NULL AND recipient_agency_id IS NOT NULL)),
        CHECK ((revoked_at IS NULL) = (revoke_reason IS NULL))
      );
      CREATE INDEX consents_enrollment ON consents (enrollment_id, created_at);
      CREATE INDEX consents_recipient ON consents (recipient_agency_id) WHERE kind = 'information_sharing';

      CREATE TABLE milestones (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        enrollment_id uuid NOT NULL REFERENCES enrollments (id),
        category service_category NOT NULL,
        provider_agency_id uuid NOT NULL REFERENCES agencies (id),
        required_sessions integer NOT NULL CHECK (required_sessions BETWEEN 1 AND 1000),
        -- Count of 'present' attendance, recomputed under the milestone's row lock on every write.
        attended_sessions integer NOT NULL DEFAULT 0 CHECK (attended_sessions >= 0),
        met_at timestamptz,
        version integer NOT NULL DEFAULT 1,
        created_by uuid NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (enrollment_id, category)
      );
      CREATE INDEX milestones_provider ON milestones (provider_agency_id, enrollment_id);

      CREATE TABLE attendance_records (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        milestone_id uuid NOT NULL REFERENCES milestones (id),
        enrollment_id uuid NOT NULL REFERENCES enrollments (id),
        provider_agency_id uuid NOT NULL REFERENCES agencies (id),
        session_date date NOT NULL,
        status attendance_status NOT NULL,
        duration_minutes integer CHECK (duration_minutes BETWEEN 1 AND 1440),
        notes text CHECK (length(notes) <= 4000),
        external_id text CHECK (length(external_id) BETWEEN 1 AND 200),
        recorded_by uuid NOT NULL,
        version integer NOT NULL DEFAULT 1,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE UNIQUE INDEX attendance_external_id_unique ON attendance_records (provider_agency_id, external_id)
        WHERE external_id IS NOT NULL;
      CREATE INDEX attendance_milestone ON attendance_records (milestone_id, session_date, id);
      CREATE INDEX attendance_enrollment_present ON attendance_records (enrollment_id) WHERE status = 'present';

      CREATE TABLE court_reviews (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        enrollment_id uuid NOT NULL REFERENCES enrollments (id),
        court_agency_id uuid NOT NULL REFERENCES agencies (id),
        decision court_decision NOT NULL,
        court_order_number text,
        notes text,
        decided_by uuid NOT NULL,
        decided_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX court_reviews_enrollment ON court_reviews (enrollment_id, decided_at);
      CREATE INDEX court_reviews_agency ON court_reviews (court_agency_id, enrollment_id);

      CREATE TABLE sealing_notices (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        enrollment_id uuid NOT NULL REFERENCES enrollments (id),
        arrest_record_id uuid NOT NULL REFERENCES arrest_records (id),
        agency_id uuid NOT NULL REFERENCES agencies (id),
        status sealing_notice_status NOT NULL DEFAULT 'pending',
        created_at timestamptz NOT NULL DEFAULT now(),
        due_at timestamptz NOT NULL,
        acknowledged_at timestamptz,
        acknowledged_by uuid,
        reference text CHECK (length(reference) <= 200),
        UNIQUE (arrest_record_id, agency_id),
        CHECK ((status = 'acknowledged') = (acknowledged_at IS NOT NULL))
      );
      CREATE INDEX sealing_notices_agency_status ON sealing_notices (agency_id, status, created_at, id);
      CREATE INDEX sealing_notices_status ON sealing_notices (status, created_at, id);

      -- Transactional outbox. 'position' orders the feed; 'txid' lets the feed hold back rows
      -- whose transaction may still be followed by a commit of a lower position.
      CREATE TABLE outbox_events (
        position bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        id uuid NOT NULL UNIQUE DEFAULT gen_random_uuid(),
        type text NOT NULL,
        occurred_at timestamptz NOT NULL DEFAULT now(),
        -- Addressed to one agency (e.g. a sealing notice), visible to it whatever else applies.
        agency_id uuid REFERENCES agencies (id),
        -- Scoping: an event about an enrollment is visible to whoever may see that enrollment.
        enrollment_id uuid REFERENCES enrollments (id),
        data jsonb NOT NULL,
        txid xid8 NOT NULL DEFAULT pg_current_xact_id()
      );
      CREATE INDEX outbox_events_enrollment ON outbox_events (enrollment_id, position);
      CREATE INDEX outbox_events_agency ON outbox_events (agency_id, position);

      -- Append-only, hash-chained audit trail. Each row's hash covers its content and the
      -- previous row's hash; audit_chain_head serialises appends so the chain never forks.
      CREATE TABLE audit_events (
        seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        id uuid NOT NULL UNIQUE DEFAULT gen_random_uuid(),
        at timestamptz NOT NULL DEFAULT clock_timestamp(),
        actor_id uuid,
        actor_kind text NOT NULL CHECK (actor_kind IN ('user', 'client', 'system')),
        actor_agency_id uuid,
        action text NOT NULL,
        subject_type text NOT NULL,
        subject_id uuid,
        purpose text,
        outcome text NOT NULL DEFAULT 'success',
        prev_hash text NOT NULL,
        hash text NOT NULL
      );
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

  async down(db: QueryRunner): Promise<void> {
    await db.query(`
      DROP TRIGGER audit_events_no_update ON audit_events;
      DROP FUNCTION audit_events_append_only();
      DROP TABLE audit_chain_head;
      DROP TABLE audit_events;
      DROP TABLE outbox_events;
      DROP TABLE sealing_notices;
      DROP TABLE court_reviews;
      DROP TABLE attendance_records;
      DROP TABLE milestones;
      DROP TABLE consents;
      DROP TABLE enrollment_extensions;
      DROP TABLE enrollments;
      DROP TABLE arrest_records;
      DROP TABLE participants;
      DROP FUNCTION next_case_number();
      DROP SEQUENCE participant_case_number_seq;
      DROP TABLE programs;
      DROP TYPE sealing_notice_status;
      DROP TYPE court_decision;
      DROP TYPE arrest_record_status;
      DROP TYPE attendance_status;
      DROP TYPE consent_kind;
      DROP TYPE enrollment_status;
      DROP TYPE service_category;
    `);
  }
}
