import { Injectable } from '@nestjs/common';
import type { ServiceCategory } from '../identity/agencies/agency-kind';
import { TIME_ID } from '../common/pagination/keyset';
import type { Page } from '../common/pagination/pagination';
import { cursorTimestampSql } from '../common/pagination/time-id-cursor';
import type { Caller } from '../identity/access/caller';
import { isoTimestampSql as iso } from '../infrastructure/database/iso-timestamp';
import { UnitOfWork } from '../infrastructure/database/unit-of-work';
import {
  arrestRecordVisibleTo,
  enrollmentVisibleTo,
  milestoneDetailsVisibleTo,
  withScopeParameter,
} from '../privacy/visibility';
import type { ConsentKind } from './consent.entity';
import type { EnrollmentStatus } from './domain/enrollment-status';
import type { ListEnrollmentsQueryDto } from './dto/enrollment.dto';
import { enrollmentListFilter } from './enrollments.repository';

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

/**
 * An enrollment with everything its view shows, read in ONE statement; every timestamp is
 * already the API's ISO text (isoTimestampSql).
 */
export interface EnrollmentViewRow {
  id: string;
  participantId: string;
  arrestRecordId: string;
  /** Whether the caller could open the arrest record on the ordinary path (never once sealed). */
  arrestVisible: boolean;
  programId: string;
  ownerAgencyId: string;
  assignedCoordinatorId: string;
  site: string;
  status: EnrollmentStatus;
  startDate: string;
  scheduledEndDate: string;
  activatedAt: string | null;
  firstServiceAt: string | null;
  submittedForReviewAt: string | null;
  reviewCourtAgencyId: string | null;
  shortfallReason: string | null;
  lastCourtDecision: CourtDecisionRow | null;
  completedAt: string | null;
  endedAt: string | null;
  endReason: string | null;
  createdAt: string;
  updatedAt: string;
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
 * detail and arrest-record visibility computed in the same statement. The arrest record's
 * visibility is a scalar subquery, a primary-key probe per row: as `EXISTS` the planner may
 * hash every arrest record in the caller's scope first (it estimates the page before its
 * LIMIT), which for a coordinator's page at medium scale read 6,000 rows (18 ms) per page.
 */
function viewColumns(caller: Caller): string {
  const details = withScopeParameter(milestoneDetailsVisibleTo(caller, 'm', 'e'), 'caller.agency');
  const arrest = withScopeParameter(arrestRecordVisibleTo(caller, 'ar'), 'caller.agency');
  return `e.id, e.participant_id AS "participantId", e.arrest_record_id AS "arrestRecordId",
    coalesce((SELECT TRUE FROM arrest_records ar WHERE ar.id = e.arrest_record_id AND ${arrest}),
      FALSE) AS "arrestVisible",
    e.program_id AS "programId", e.owner_agency_id AS "ownerAgencyId",
    e.assigned_coordinator_id AS "assignedCoordinatorId", e.site, e.status,
    e.start_date::text AS "startDate", e.scheduled_end_date::text AS "scheduledEndDate",
    ${iso('e.activated_at')} AS "activatedAt", ${iso('e.first_service_at')} AS "firstServiceAt",
    ${iso('e.submitted_for_review_at')} AS "submittedForReviewAt",
    e.review_court_agency_id AS "reviewCourtAgencyId", e.shortfall_reason AS "shortfallReason",
    (SELECT json_build_object('decision', r.decision, 'reasons', r.reasons,
        'decidedAt', ${iso('r.decided_at')}, 'courtAgencyId', r.court_agency_id,
        'substantialComplianceFinding', r.substantial_compliance_finding,
        'minorNotifiedAt', ${iso('r.minor_notified_at')})
       FROM court_reviews r WHERE r.enrollment_id = e.id
       ORDER BY r.decided_at DESC, r.id DESC LIMIT 1) AS "lastCourtDecision",
    ${iso('e.completed_at')} AS "completedAt",
    ${iso('e.ended_at')} AS "endedAt", e.end_reason AS "endReason", ${iso('e.created_at')} AS "createdAt",
    ${iso('e.updated_at')} AS "updatedAt", e.version,
    (SELECT coalesce(json_agg(json_build_object(
        'id', m.id, 'enrollmentId', m.enrollment_id, 'category', m.category,
        'providerAgencyId', m.provider_agency_id, 'requiredSessions', m.required_sessions,
        'attendedSessions', m.attended_sessions, 'metAt', ${iso('m.met_at')},
        'detailsVisible', ${details}) ORDER BY m.created_at, m.id), '[]')
       FROM milestones m WHERE m.enrollment_id = e.id) AS milestones,
    (SELECT coalesce(json_agg(json_build_object(
        'days', x.days, 'reason', x.reason, 'grantedBy', x.granted_by,
        'grantedAt', ${iso('x.granted_at')}) ORDER BY x.granted_at, x.id), '[]')
       FROM enrollment_extensions x WHERE x.enrollment_id = e.id) AS extensions,
    (SELECT coalesce(json_agg(json_build_object(
        'id', c.id, 'kind', c.kind, 'signedBy', c.signed_by, 'signedAt', ${iso('c.signed_at')},
        'serviceCategory', c.service_category, 'recipientAgencyId', c.recipient_agency_id,
        'expiresAt', ${iso('c.expires_at')}, 'revokedAt', ${iso('c.revoked_at')}) ORDER BY c.created_at, c.id), '[]')
       FROM consents c WHERE c.enrollment_id = e.id) AS consents,
    (SELECT coalesce(json_agg(json_build_object(
        'milestoneId', mc.milestone_id, 'kind', mc.kind, 'category', mc.category,
        'providerAgencyIdBefore', mc.provider_agency_id_before,
        'providerAgencyIdAfter', mc.provider_agency_id_after,
        'requiredSessionsBefore', mc.required_sessions_before,
        'requiredSessionsAfter', mc.required_sessions_after, 'reason', mc.reason,
        'changedBy', mc.changed_by, 'changedAt', ${iso('mc.changed_at')}) ORDER BY mc.changed_at, mc.id), '[]')
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

  /**
   * A keyset page of the enrollments the list filter selects (scope, filters, work list,
   * cursor), each with its whole view, in one statement: the page's ids are never read first
   * and its views fetched after. One row more than `limit` tells whether a page follows.
   */
  async pageVisible(
    caller: Caller,
    query: ListEnrollmentsQueryDto,
  ): Promise<Page<EnrollmentViewRow>> {
    const filter = enrollmentListFilter(caller, query);
    const rows = await this.uow.queryPreparedNamed<EnrollmentViewRow & { cursorAt: string }>(
      `SELECT ${viewColumns(caller)}, ${cursorTimestampSql('e.created_at')} AS "cursorAt"
         FROM enrollments e, (SELECT :callerAgency::uuid AS agency) caller
        WHERE ${filter.sql}
        ORDER BY e.created_at, e.id
        LIMIT :pageRows`,
      { ...filter.params, callerAgency: caller.agencyId, pageRows: query.limit + 1 },
    );
    return TIME_ID.page(
      rows,
      query.limit,
      (row) => [row.cursorAt, row.id],
      ({ cursorAt: _cursor, ...view }) => view,
    );
  }
}
