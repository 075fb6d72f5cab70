import type { Caller } from '../identity/access/caller';

/**
 * Row-level access, in SQL, in one place. Every query that reads program data adds one of
 * these predicates, so a record outside the caller's scope is simply not found (404), and a
 * controller that forgets a check still leaks nothing.
 *
 * Parameters are named `scopeAgencyId`; aliases are the caller's query aliases.
 */
export interface SqlPredicate {
  sql: string;
  params: { scopeAgencyId: string };
}

const NOTHING = 'FALSE';

/**
 * A predicate's SQL for a plain parameterised query (`$1`, `$2`...): the caller's agency
 * bound to `placeholder`. For the hot reads written as one statement without a query builder.
 */
export function withScopeParameter(predicate: SqlPredicate, placeholder: string): string {
  return predicate.sql.replace(/:scopeAgencyId\b/g, placeholder);
}

/**
 * What an agency's machine clients (and its webhook subscriptions) may see of an enrollment:
 * the enrollments it owns and those it delivers a service for. `agency` is a SQL expression
 * (a named parameter, or a column such as `s.agency_id` when fanning out to subscriptions).
 */
export function agencyEnrollmentScope(e: string, agency: string): string {
  return `(${e}.owner_agency_id = ${agency} OR EXISTS (SELECT 1 FROM milestones am
    WHERE am.enrollment_id = ${e}.id AND am.provider_agency_id = ${agency}))`;
}

/** Enrollments: owners see theirs, providers those they serve, a court those submitted to it or decided by it. */
export function enrollmentVisibleTo(caller: Caller, e = 'e'): SqlPredicate {
  const params = { scopeAgencyId: caller.agencyId };
  const providerHolds = `EXISTS (SELECT 1 FROM milestones vm WHERE vm.enrollment_id = ${e}.id AND vm.provider_agency_id = :scopeAgencyId)`;
  if (caller.kind === 'client') return { sql: agencyEnrollmentScope(e, ':scopeAgencyId'), params };
  switch (caller.role) {
    case 'admin':
      return { sql: 'TRUE', params };
    case 'coordinator':
      return { sql: `${e}.owner_agency_id = :scopeAgencyId`, params };
    case 'provider':
      return { sql: providerHolds, params };
    case 'court':
      // Jurisdiction: the court a review was submitted to (reviews pending from before
      // submissions named a court stay before every court), and the reviews it decided.
      return {
        sql: `((${e}.status = 'pending_court_review' AND (${e}.review_court_agency_id = :scopeAgencyId
                  OR ${e}.review_court_agency_id IS NULL))
                OR EXISTS (SELECT 1 FROM court_reviews vr
                  WHERE vr.enrollment_id = ${e}.id AND vr.court_agency_id = :scopeAgencyId))`,
        params,
      };
    default:
      return { sql: NOTHING, params };
  }
}

/** Participants: the registering agency, and whoever may see one of their enrollments. */
export function participantVisibleTo(caller: Caller, p = 'p'): SqlPredicate {
  const enrollment = enrollmentVisibleTo(caller, 've');
  if (caller.kind === 'user' && caller.role === 'admin') return enrollment;
  if (caller.kind === 'client' || caller.role === 'coordinator') {
    // Owned, or else one probe of the participant's enrollments per row (index-only on
    // enrollments_participant_owner), written as a scalar subquery so that it stays a probe:
    // as `OR EXISTS` the planner hashes every enrollment the agency can see, once per
    // search, which grows with the agency (a seq scan of 38k enrollments at large scale).
    return {
      sql: `(${p}.owner_agency_id = :scopeAgencyId OR coalesce((SELECT TRUE FROM enrollments ve
              WHERE ve.participant_id = ${p}.id AND ${enrollment.sql} LIMIT 1), FALSE))`,
      params: enrollment.params,
    };
  }
  if (caller.role === 'provider') {
    // The same scalar-probe shape, for the same reason: as `EXISTS` the planner hashed every
    // enrollment whose milestones the provider delivers (a sequential scan of enrollments),
    // once per search, growing with its caseload. Probed, each name match costs two index
    // lookups (enrollments_participant_owner, then milestones_provider, index-only).
    return {
      sql: `coalesce((SELECT TRUE FROM enrollments ve
              WHERE ve.participant_id = ${p}.id AND ${enrollment.sql} LIMIT 1), FALSE)`,
      params: enrollment.params,
    };
  }
  return {
    sql: `EXISTS (SELECT 1 FROM enrollments ve WHERE ve.participant_id = ${p}.id AND ${enrollment.sql})`,
    params: enrollment.params,
  };
}

/**
 * participantVisibleTo as disjoint predicates whose union is the same set, for a search that
 * runs one indexed query per branch and merges them (participants.repository.ts `search`);
 * undefined for callers whose scope has no such shape (they use participantVisibleTo).
 * A coordinator: the participants its agency registered (the owner-led name indexes), and
 * those of other agencies that it enrolled, found from its enrollments of another agency's
 * participant (the partial index enrollments_foreign_participant; an enrollment's
 * `participant_owner_agency_id` is its participant's owner, held so by a foreign key). A
 * participant the agency registered is in the first only, so the branches never overlap.
 */
export function participantSearchBranches(caller: Caller, p = 'p'): SqlPredicate[] | undefined {
  if (caller.kind !== 'user' || caller.role !== 'coordinator') return undefined;
  const params = { scopeAgencyId: caller.agencyId };
  return [
    { sql: `${p}.owner_agency_id = :scopeAgencyId`, params },
    {
      sql: `${p}.id IN (SELECT fe.participant_id FROM enrollments fe
              WHERE fe.owner_agency_id = :scopeAgencyId
                AND fe.participant_of_another_agency)`,
      params,
    },
  ];
}

/**
 * Correcting a participant's details: the agency that registered the minor (its
 * coordinators), and admins. Agencies that only see the participant through an enrollment
 * (providers, the court) read, never write.
 */
export function participantWritableBy(caller: Caller, p = 'p'): SqlPredicate {
  const params = { scopeAgencyId: caller.agencyId };
  if (caller.kind !== 'user') return { sql: NOTHING, params };
  if (caller.role === 'admin') return { sql: 'TRUE', params };
  if (caller.role === 'coordinator')
    return { sql: `${p}.owner_agency_id = :scopeAgencyId`, params };
  return { sql: NOTHING, params };
}

/**
 * Arrest records, ordinary path: never sealed ones, whoever asks. Providers and auditors
 * never see arrest data (minimum necessary).
 */
export function arrestRecordVisibleTo(caller: Caller, ar = 'ar'): SqlPredicate {
  const params = { scopeAgencyId: caller.agencyId };
  const open = `${ar}.status = 'open'`;
  if (caller.kind === 'client') {
    return {
      sql: `(${open} AND (${ar}.arresting_agency_id = :scopeAgencyId OR ${ar}.owner_agency_id = :scopeAgencyId))`,
      params,
    };
  }
  switch (caller.role) {
    case 'admin':
      return { sql: open, params };
    case 'coordinator':
      return { sql: `(${open} AND ${ar}.owner_agency_id = :scopeAgencyId)`, params };
    case 'court': {
      const enrollment = enrollmentVisibleTo(caller, 'ave');
      return {
        sql: `(${open} AND EXISTS (SELECT 1 FROM enrollments ave WHERE ave.arrest_record_id = ${ar}.id AND ${enrollment.sql}))`,
        params,
      };
    }
    default:
      return { sql: NOTHING, params };
  }
}

/**
 * Sealed arrest records, the narrow path the law leaves: court and admin users only, and only
 * with a stated purpose (checked by the caller of this predicate, and audited).
 */
export function sealedArrestRecordVisibleTo(caller: Caller, ar = 'ar'): SqlPredicate {
  const params = { scopeAgencyId: caller.agencyId };
  if (caller.kind !== 'user') return { sql: NOTHING, params };
  // A record whose details the retention purge destroyed is gone for everyone: 404 like unknown.
  const kept = `${ar}.purged_at IS NULL`;
  if (caller.role === 'admin') return { sql: kept, params };
  if (caller.role === 'court') {
    return {
      sql: `(${kept} AND EXISTS (SELECT 1 FROM enrollments se JOIN court_reviews sr ON sr.enrollment_id = se.id
              WHERE se.arrest_record_id = ${ar}.id AND sr.court_agency_id = :scopeAgencyId))`,
      params,
    };
  }
  return { sql: NOTHING, params };
}

/**
 * Session-level details of a milestone (attendance records, notes): the delivering provider,
 * the owning coordinator agency, admins, and agencies named in a live information-sharing
 * consent for that service (42 CFR Part 2 / HIPAA minimum necessary). Everyone else who can
 * see the enrollment sees only the milestone's category and status.
 */
export function milestoneDetailsVisibleTo(caller: Caller, m = 'm', e = 'e'): SqlPredicate {
  const params = { scopeAgencyId: caller.agencyId };
  // Admins run the system; they are not treatment staff: no details of mental health,
  // substance use or shelter milestones (minimum necessary), education they may see.
  if (caller.kind === 'user' && caller.role === 'admin') {
    return { sql: `${m}.category = 'education'`, params };
  }
  if (caller.kind === 'user' && caller.role !== 'coordinator' && caller.role !== 'provider') {
    return { sql: NOTHING, params };
  }
  return { sql: agencyMilestoneDetailsScope(m, e, ':scopeAgencyId'), params };
}

/**
 * The agency rule behind milestoneDetailsVisibleTo, for an agency given as a SQL expression
 * (a parameter, or `s.agency_id` when events fan out to webhook subscriptions).
 */
export function agencyMilestoneDetailsScope(m: string, e: string, agency: string): string {
  return `(${m}.provider_agency_id = ${agency}
      OR ${e}.owner_agency_id = ${agency}
      OR EXISTS (SELECT 1 FROM consents vc WHERE vc.enrollment_id = ${m}.enrollment_id
           AND vc.kind = 'information_sharing' AND vc.service_category::text = ${m}.category::text
           AND vc.recipient_agency_id = ${agency} AND vc.revoked_at IS NULL
           AND (vc.expires_at IS NULL OR vc.expires_at > now())))`;
}

/**
 * Sealing notices: the notified agency's clients see the notices addressed to their agency;
 * coordinators those of enrollments their agency owns (they follow the statutory clocks);
 * admins all. A notice never carries names or charges, but who was told what stays scoped.
 */
export function sealingNoticeVisibleTo(caller: Caller, sn = 'sn'): SqlPredicate {
  const params = { scopeAgencyId: caller.agencyId };
  if (caller.kind === 'client') return { sql: `${sn}.agency_id = :scopeAgencyId`, params };
  switch (caller.role) {
    case 'records':
      // Records officers: their own agency's notices, like its `sealing:ack` clients.
      return { sql: `${sn}.agency_id = :scopeAgencyId`, params };
    case 'admin':
      return { sql: 'TRUE', params };
    case 'coordinator':
      return {
        sql: `EXISTS (SELECT 1 FROM enrollments sne WHERE sne.id = ${sn}.enrollment_id AND sne.owner_agency_id = :scopeAgencyId)`,
        params,
      };
    default:
      return { sql: NOTHING, params };
  }
}

/**
 * Writing and correcting attendance: only the agency delivering the milestone's service (its
 * provider users and its machine clients with `attendance:write`). `x` aliases `milestones` or
 * `attendance_records`; both carry the provider agency.
 */
export function attendanceWritableBy(caller: Caller, x = 'm'): SqlPredicate {
  const params = { scopeAgencyId: caller.agencyId };
  const writer =
    caller.kind === 'client'
      ? caller.scopes.includes('attendance:write')
      : caller.role === 'provider';
  return { sql: writer ? `${x}.provider_agency_id = :scopeAgencyId` : NOTHING, params };
}

/**
 * Aggregate reports (`GET /reports/outcomes`): coordinators count their own agency's
 * enrollments; admins and auditors all of them (aggregates only, suppressed below 5);
 * anyone else nothing.
 */
export function enrollmentReportableBy(caller: Caller, e = 'e'): SqlPredicate {
  const params = { scopeAgencyId: caller.agencyId };
  if (caller.kind !== 'user') return { sql: NOTHING, params };
  switch (caller.role) {
    case 'admin':
    case 'auditor':
      return { sql: 'TRUE', params };
    case 'coordinator':
      return { sql: `${e}.owner_agency_id = :scopeAgencyId`, params };
    default:
      return { sql: NOTHING, params };
  }
}

/**
 * The arresting agency's key to its own copy of a record: the booking number, shown on that
 * agency's sealing notices (API.md "Additions") to those who seal the copy (its records
 * officers and its `sealing:ack` clients), and to no one else, never through the sealed
 * record itself. `ar` aliases `arrest_records`.
 */
export function ownBookingNumberVisibleTo(caller: Caller, ar = 'ar'): SqlPredicate {
  const params = { scopeAgencyId: caller.agencyId };
  const sealsCopies =
    caller.kind === 'client' ? caller.scopes.includes('sealing:ack') : caller.role === 'records';
  return { sql: sealsCopies ? `${ar}.arresting_agency_id = :scopeAgencyId` : NOTHING, params };
}
