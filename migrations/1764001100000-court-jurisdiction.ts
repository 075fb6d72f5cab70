import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Court jurisdiction and the decisions a court may take (PRODUCT.md "Court jurisdiction",
 * Rule of Court 5.850):
 * - an enrollment submitted for review names the court it is before; only that court sees
 *   and decides it. Reviews pending before this migration get the one court agency when
 *   there is exactly one; with several they keep NULL and stay before every court, as they
 *   were submitted (stranding a minor's completion would be worse); every new submission
 *   names its court;
 * - a submission may ask the court to find substantial compliance when a milestone is short
 *   (`shortfall_reason`);
 * - a review carries the court's `reasons` (required unless it confirms, and shown to the
 *   coordinator), a recorded finding of substantial compliance, and for a finding of
 *   unsatisfactory completion the written notice to the minor.
 *
 * `unsatisfactory` is a new value of `court_decision`; the checks compare `decision::text`
 * because a value added by ALTER TYPE cannot be used as an enum literal in the same
 * transaction.
 */
export class CourtJurisdiction1764001100000 implements MigrationInterface {
  name = 'CourtJurisdiction1764001100000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TYPE court_decision ADD VALUE IF NOT EXISTS 'unsatisfactory'`);
    await db.query(`
      ALTER TABLE enrollments
        ADD COLUMN review_court_agency_id uuid REFERENCES agencies (id),
        ADD COLUMN shortfall_reason text
          CONSTRAINT enrollments_shortfall_reason_length CHECK (length(shortfall_reason) <= 4000);
      CREATE INDEX enrollments_review_court ON enrollments (review_court_agency_id, submitted_for_review_at)
        WHERE status = 'pending_court_review';

      UPDATE enrollments e SET review_court_agency_id = c.id
        FROM (SELECT min(id::text)::uuid AS id FROM agencies WHERE kind = 'court'
              HAVING count(*) = 1) c
       WHERE e.status = 'pending_court_review';

      ALTER TABLE court_reviews
        ADD COLUMN reasons text CONSTRAINT court_reviews_reasons_length CHECK (length(reasons) <= 4000),
        ADD COLUMN substantial_compliance_finding text
          CONSTRAINT court_reviews_finding_length CHECK (length(substantial_compliance_finding) <= 4000),
        ADD COLUMN minor_notified_at timestamptz,
        ADD COLUMN minor_notification_method text
          CONSTRAINT court_reviews_minor_method_length CHECK (length(minor_notification_method) <= 100);

      -- A rejection before this release gave its reasons as notes.
      UPDATE court_reviews SET reasons = notes WHERE decision = 'rejected' AND reasons IS NULL;

      ALTER TABLE court_reviews
        ADD CONSTRAINT court_reviews_reasons_unless_confirmed
          CHECK (decision::text = 'confirmed' OR reasons IS NOT NULL),
        ADD CONSTRAINT court_reviews_finding_only_on_confirmation
          CHECK (decision::text = 'confirmed' OR substantial_compliance_finding IS NULL),
        ADD CONSTRAINT court_reviews_minor_notice_on_unsatisfactory
          CHECK ((decision::text = 'unsatisfactory')
                 = (minor_notified_at IS NOT NULL AND minor_notification_method IS NOT NULL));
    `);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`
      ALTER TABLE court_reviews
        DROP CONSTRAINT court_reviews_minor_notice_on_unsatisfactory,
        DROP CONSTRAINT court_reviews_finding_only_on_confirmation,
        DROP CONSTRAINT court_reviews_reasons_unless_confirmed,
        DROP COLUMN minor_notification_method,
        DROP COLUMN minor_notified_at,
        DROP COLUMN substantial_compliance_finding,
        DROP COLUMN reasons;
      CREATE TYPE court_decision_v1 AS ENUM ('confirmed', 'rejected');
      ALTER TABLE court_reviews ALTER COLUMN decision TYPE court_decision_v1
        USING (CASE WHEN decision::text = 'unsatisfactory' THEN 'rejected' ELSE decision::text END)::court_decision_v1;
      DROP TYPE court_decision;
      ALTER TYPE court_decision_v1 RENAME TO court_decision;
      DROP INDEX enrollments_review_court;
      ALTER TABLE enrollments DROP COLUMN shortfall_reason, DROP COLUMN review_court_agency_id;
    `);
  }
}
