import { Injectable } from '@nestjs/common';
import type { ServiceCategory } from '../identity/agencies/agency-kind';
import type { Caller } from '../identity/access/caller';
import { UnitOfWork } from '../infrastructure/database/unit-of-work';
import { enrollmentReportableBy, withScopeParameter } from '../privacy/visibility';
import { MINOR_NOTIFICATION_PERIOD_DAYS, statutoryDeadlineSql } from '../sealing/statutory-clocks';

/** Which enrollments a report counts: those starting within [from, to] at a site, if given. */
export interface OutcomesFilter {
  from: string | null;
  to: string | null;
  site: string | null;
}

/** The exact figures of the outcomes report, before suppression. */
export interface OutcomesFigures {
  enrolled: number;
  pendingConsent: number;
  active: number;
  pendingCourtReview: number;
  completed: number;
  withdrawn: number;
  terminated: number;
  medianDaysToCompletion: number | null;
  /** Activated enrollments whose 24-hour window is decided (connected, or the window passed). */
  connectionDecided: number;
  connectedWithin24h: number;
  attendance: { category: ServiceCategory; present: number; recorded: number }[];
  noticesPending: number;
  noticesAcknowledged: number;
  noticesOverdue: number;
  minorNoticesOverdue: number;
  /** Completed on the court's recorded finding of substantial compliance (a milestone short). */
  substantialComplianceFindings: number;
  /** Terminated by the court's finding of unsatisfactory completion (Rule of Court 5.850). */
  unsatisfactoryFindings: number;
}

/**
 * The outcomes report, computed by the database in one statement over the enrollments the
 * caller may count (privacy/visibility.ts `enrollmentReportableBy`). A read model over the
 * owners' tables: it returns counts only, never a row.
 *
 * The cohort is the enrollments whose start date lies in [from, to]; every figure is about
 * the cohort as it stands now (its current status, its attendance and notices so far).
 * Rules, each stated where it is computed:
 * - median days to completion: from the start date to the completion date in the program's
 *   time zone;
 * - 24-hour rule: `first_service_at` (the first present session's start, or the end of its
 *   date in the program's time zone: attendance computes it) within 24 hours of activation;
 *   an enrollment counts once decided: connected, or 24 hours passed without a session;
 * - attendance rate by category: present / recorded sessions of the cohort's milestones,
 *   from the milestones' counters (`attended_sessions`, `recorded_sessions`);
 * - sealing notices: pending (overdue included), acknowledged, overdue (pending past due);
 * - minors' written notices overdue: completed, every notice acknowledged, 30 days after the
 *   last acknowledgement passed, the minor not told (statutory-clocks.ts);
 * - court findings: completed enrollments whose confirming review recorded a finding of
 *   substantial compliance, and terminated ones the court found unsatisfactory (both are
 *   part of `completed` / `terminated`, never a status of their own).
 */
@Injectable()
export class OutcomesReportRepository {
  constructor(private readonly uow: UnitOfWork) {}

  async figures(caller: Caller, filter: OutcomesFilter): Promise<OutcomesFigures> {
    // The caller's agency bound once, typed, as `caller.agency` (an admin's predicate refers
    // to nothing, and an unreferenced `$1` would have no type).
    const scope = withScopeParameter(enrollmentReportableBy(caller, 'e'), 'caller.agency');
    const minorDue = statutoryDeadlineSql('n.last_ack', '$5::int');
    const [row] = await this.uow.manager.query<OutcomesFigures[]>(
      `WITH cohort AS (
         SELECT e.id, e.status, e.start_date, e.activated_at, e.first_service_at,
                e.completed_at, e.minor_notified_at, p.time_zone
           FROM enrollments e
           JOIN programs p ON p.id = e.program_id
          CROSS JOIN (SELECT $1::uuid AS agency) caller
          WHERE ($2::date IS NULL OR e.start_date >= $2::date)
            AND ($3::date IS NULL OR e.start_date <= $3::date)
            AND ($4::text IS NULL OR e.site = $4::text)
            AND ${scope}),
       statuses AS (
         SELECT count(*)::int AS enrolled,
                count(*) FILTER (WHERE status = 'pending_consent')::int AS "pendingConsent",
                count(*) FILTER (WHERE status = 'active')::int AS active,
                count(*) FILTER (WHERE status = 'pending_court_review')::int AS "pendingCourtReview",
                count(*) FILTER (WHERE status = 'completed')::int AS completed,
                count(*) FILTER (WHERE status = 'withdrawn')::int AS withdrawn,
                count(*) FILTER (WHERE status = 'terminated')::int AS terminated,
                (percentile_cont(0.5) WITHIN GROUP (
                   ORDER BY ((completed_at AT TIME ZONE time_zone)::date - start_date))
                   FILTER (WHERE status = 'completed' AND completed_at IS NOT NULL))::float8
                  AS "medianDaysToCompletion",
                count(*) FILTER (WHERE activated_at IS NOT NULL
                  AND (first_service_at IS NOT NULL OR activated_at + interval '24 hours' < now()))::int
                  AS "connectionDecided",
                count(*) FILTER (WHERE activated_at IS NOT NULL
                  AND first_service_at <= activated_at + interval '24 hours')::int
                  AS "connectedWithin24h"
           FROM cohort),
       attendance AS (
         SELECT coalesce(json_agg(json_build_object(
                  'category', x.category, 'present', x.present, 'recorded', x.recorded)
                  ORDER BY x.category), '[]') AS attendance
           /* The milestones' counters, not the records: both count the records that are not
              voided (a voided one stays in the history only), kept by every attendance write
              (milestones.repository.ts), so the cost is the cohort's milestones, not its
              sessions. A category without any record is left out, as a join of records would.
              Block comments: the statement is logged and catalogued on one line. */
           FROM (SELECT m.category,
                        sum(m.attended_sessions)::int AS present,
                        sum(m.recorded_sessions)::int AS recorded
                   FROM cohort c
                   JOIN milestones m ON m.enrollment_id = c.id
                  GROUP BY m.category
                 HAVING sum(m.recorded_sessions) > 0) x),
       notices AS (
         SELECT count(*) FILTER (WHERE sn.status = 'pending')::int AS "noticesPending",
                count(*) FILTER (WHERE sn.status = 'acknowledged')::int AS "noticesAcknowledged",
                count(*) FILTER (WHERE sn.status = 'pending' AND now() > sn.due_at)::int
                  AS "noticesOverdue"
           FROM cohort c
           JOIN sealing_notices sn ON sn.enrollment_id = c.id),
       minor AS (
         SELECT count(*)::int AS "minorNoticesOverdue"
           FROM (SELECT c.id, max(sn.acknowledged_at) AS last_ack,
                        bool_and(sn.status = 'acknowledged') AS all_acknowledged
                   FROM cohort c
                   JOIN sealing_notices sn ON sn.enrollment_id = c.id
                  WHERE c.status = 'completed' AND c.minor_notified_at IS NULL
                  GROUP BY c.id) n
          WHERE n.all_acknowledged AND now() > ${minorDue}),
       findings AS (
         SELECT count(*) FILTER (WHERE c.status = 'completed' AND r.decision = 'confirmed'
                  AND r.substantial_compliance_finding IS NOT NULL)::int
                  AS "substantialComplianceFindings",
                count(*) FILTER (WHERE c.status = 'terminated' AND r.decision = 'unsatisfactory')::int
                  AS "unsatisfactoryFindings"
           FROM cohort c
           /* A final decision ends the review: at most one confirmed or unsatisfactory per
              enrollment (rejections send it back and are not counted here). */
           JOIN court_reviews r ON r.enrollment_id = c.id
                               AND r.decision IN ('confirmed', 'unsatisfactory'))
       SELECT * FROM statuses, attendance, notices, minor, findings`,
      [caller.agencyId, filter.from, filter.to, filter.site, MINOR_NOTIFICATION_PERIOD_DAYS],
    );
    return row;
  }
}
