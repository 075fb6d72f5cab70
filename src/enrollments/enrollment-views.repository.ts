import { Injectable } from '@nestjs/common';
import type { ServiceCategory } from '../identity/agencies/agency-kind';
import type { Caller } from '../identity/access/caller';
import { UnitOfWork } from '../infrastructure/database/unit-of-work';
import {
  arrestRecordVisibleTo,
  enrollmentVisibleTo,
  milestoneDetailsVisibleTo,
  withScopeParameter,
} from '../privacy/visibility';
import type { ConsentKind } from './consent.entity';
import type { EnrollmentStatus } from './domain/enrollment-status';

/** A milestone of the plan, as the read carries it. */
export interface PlanMilestoneRow {
  id: string;
  enrollmentId: string;
  category: ServiceCategory;
  providerAgencyId: string;
  requiredSessions: number;
  attendedSessions: number;
  metAt: string | null;
  /** Whether this caller may see the milestone's session-level details (decided in SQL). */
  detailsVisible: boolean;
}

export interface ExtensionRow {
  days: number;
  reason: string;
  grantedBy: string;
  grantedAt: string;
}

export interface ConsentRow {
  id: string;
  kind: ConsentKind;
  signedBy: string;
  signedAt: string;
  serviceCategory: ServiceCategory | null;
  recipientAgencyId: string | null;
  expiresAt: string | null;
  revokedAt: string | null;
}

/** One correction or removal of the plan (milestone_changes). */
export interface PlanChangeRow {
  milestoneId: string;
  kind: 'corrected' | 'removed';
  category: ServiceCategory;
  providerAgencyIdBefore: string;
  providerAgencyIdAfter: string | null;
  requiredSessionsBefore: number;
  requiredSessionsAfter: number | null;
  reason: string;
  changedBy: string;
  changedAt: string;
}

/** The latest court review of an enrollment. */
export interface CourtDecisionRow {
  decision: 'confirmed' | 'rejected' | 'unsatisfactory';
  reasons: string | null;
  decidedAt: string;
  courtAgencyId: string;
  substantialComplianceFinding: string | null;
  minorNotifiedAt: string | null;
}

/** An enrollment with everything its view shows, read in ONE statement. */
export interface EnrollmentViewRow {
  id: string;
  participantId: string;
  arrestRecordId: string;
  /** Whether the caller could open the arrest record on the ordinary path (never once sealed). */
  arrestVisible: boolean;
  programId: string;
  ownerAgencyId: string;
  site: string;
  status: EnrollmentStatus;
  startDate: string;
  scheduledEndDate: string;
  activatedAt: Date | null;
  firstServiceAt: Date | null;
  submittedForReviewAt: Date | null;
  reviewCourtAgencyId: string | null;
  shortfallReason: string | null;
  lastCourtDecision: CourtDecisionRow | null;
  completedAt: Date | null;
  endedAt: Date | null;
  endReason: string | null;
  createdAt: Date;
  updatedAt: Date;
  version: number;
  milestones: PlanMilestoneRow[];
  extensions: ExtensionRow[];
  consents: ConsentRow[];
  planChanges: PlanChangeRow[];
}

/**
 * Binds the caller's agency once, typed, as `caller.agency`: the predicates refer to it
 * (an admin's refer to nothing, and an unreferenced `$1` would have no type).
 */
const CALLER = '(SELECT $1::uuid AS agency) caller';

/**
 * The columns of an enrollment view for the caller (`caller.agency`): the row, and its
 * plan, extensions and consents as JSON from correlated subqueries, with the caller's
 * detail and arrest-record visibility computed in the same statement.
 */
function viewColumns(caller: Caller): string {
  const details = withScopeParameter(milestoneDetailsVisibleTo(caller, 'm', 'e'), 'caller.agency');
  const arrest = withScopeParameter(arrestRecordVisibleTo(caller, 'ar'), 'caller.agency');
  return `e.id, e.participant_id AS "participantId", e.arrest_record_id AS "arrestRecordId",
    EXISTS (SELECT 1 FROM arrest_records ar WHERE ar.id = e.arrest_record_id AND ${arrest})
      AS "arrestVisible",
    e.program_id AS "programId", e.owner_agency_id AS "ownerAgencyId", e.site, e.status,
    e.start_date::text AS "startDate", e.scheduled_end_date::text AS "scheduledEndDate",
    e.activated_at AS "activatedAt", e.first_service_at AS "firstServiceAt",
    e.submitted_for_review_at AS "submittedForReviewAt",
    e.review_court_agency_id AS "reviewCourtAgencyId", e.shortfall_reason AS "shortfallReason",
    (SELECT json_build_object('decision', r.decision, 'reasons', r.reasons,
        'decidedAt', r.decided_at, 'courtAgencyId', r.court_agency_id,
        'substantialComplianceFinding', r.substantial_compliance_finding,
        'minorNotifiedAt', r.minor_notified_at)
       FROM court_reviews r WHERE r.enrollment_id = e.id
       ORDER BY r.decided_at DESC, r.id DESC LIMIT 1) AS "lastCourtDecision",
    e.completed_at AS "completedAt",
    e.ended_at AS "endedAt", e.end_reason AS "endReason", e.created_at AS "createdAt",
    e.updated_at AS "updatedAt", e.version,
    (SELECT coalesce(json_agg(json_build_object(
        'id', m.id, 'enrollmentId', m.enrollment_id, 'category', m.category,
        'providerAgencyId', m.provider_agency_id, 'requiredSessions', m.required_sessions,
        'attendedSessions', m.attended_sessions, 'metAt', m.met_at,
        'detailsVisible', ${details}) ORDER BY m.created_at, m.id), '[]')
       FROM milestones m WHERE m.enrollment_id = e.id) AS milestones,
    (SELECT coalesce(json_agg(json_build_object(
        'days', x.days, 'reason', x.reason, 'grantedBy', x.granted_by,
        'grantedAt', x.granted_at) ORDER BY x.granted_at, x.id), '[]')
       FROM enrollment_extensions x WHERE x.enrollment_id = e.id) AS extensions,
    (SELECT coalesce(json_agg(json_build_object(
        'id', c.id, 'kind', c.kind, 'signedBy', c.signed_by, 'signedAt', c.signed_at,
        'serviceCategory', c.service_category, 'recipientAgencyId', c.recipient_agency_id,
        'expiresAt', c.expires_at, 'revokedAt', c.revoked_at) ORDER BY c.created_at, c.id), '[]')
       FROM consents c WHERE c.enrollment_id = e.id) AS consents,
    (SELECT coalesce(json_agg(json_build_object(
        'milestoneId', mc.milestone_id, 'kind', mc.kind, 'category', mc.category,
        'providerAgencyIdBefore', mc.provider_agency_id_before,
        'providerAgencyIdAfter', mc.provider_agency_id_after,
        'requiredSessionsBefore', mc.required_sessions_before,
        'requiredSessionsAfter', mc.required_sessions_after, 'reason', mc.reason,
        'changedBy', mc.changed_by, 'changedAt', mc.changed_at) ORDER BY mc.changed_at, mc.id), '[]')
       FROM milestone_changes mc WHERE mc.enrollment_id = e.id) AS "planChanges"`;
}

/**
 * The read side of the enrollment aggregate: an enrollment view (or a page of them) in one
 * round trip, scoped by the caller in the same statement. The hot read of the API.
 */
@Injectable()
export class EnrollmentViewsRepository {
  constructor(private readonly uow: UnitOfWork) {}

  async findVisible(caller: Caller, id: string): Promise<EnrollmentViewRow | undefined> {
    const scope = withScopeParameter(enrollmentVisibleTo(caller, 'e'), 'caller.agency');
    const [row] = await this.uow.queryPrepared<EnrollmentViewRow>(
      `SELECT ${viewColumns(caller)} FROM enrollments e, ${CALLER} WHERE e.id = $2 AND ${scope}`,
      [caller.agencyId, id],
    );
    return row;
  }

  /** The views of these enrollments, in the order given (ids the caller reached through a scoped read). */
  async ofIds(caller: Caller, ids: readonly string[]): Promise<EnrollmentViewRow[]> {
    if (ids.length === 0) return [];
    const rows = await this.uow.queryPrepared<EnrollmentViewRow>(
      `SELECT ${viewColumns(caller)} FROM enrollments e, ${CALLER} WHERE e.id = ANY($2::uuid[])`,
      [caller.agencyId, ids],
    );
    const byId = new Map(rows.map((row) => [row.id, row]));
    return ids.flatMap((id) => byId.get(id) ?? []);
  }
}
