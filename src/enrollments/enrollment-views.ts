import { Injectable } from '@nestjs/common';
import { NotFoundError } from '../common/errors/domain-error';
import type { Versioned } from '../common/http/etag';
import type { Caller } from '../identity/access/caller';
import { audienceOf } from '../privacy/audience';
import { connectedWithin24h } from './domain/connection-time';
import type { Page } from '../common/pagination/pagination';
import type { EnrollmentDto, ListEnrollmentsQueryDto } from './dto/enrollment.dto';
import { EnrollmentViewRow, EnrollmentViewsRepository } from './enrollment-views.repository';
import { presentMilestone } from './milestones/dto/milestone.dto';

const asDate = (iso: string | null): Date | null => (iso === null ? null : new Date(iso));

/**
 * Enrollments as the caller may see them: the row, its plan, extensions and consents, read
 * in one statement per enrollment or page (EnrollmentViewsRepository) and presented here.
 */
@Injectable()
export class EnrollmentViews {
  constructor(private readonly views: EnrollmentViewsRepository) {}

  /** One enrollment's view, or NotFound when the caller may not see it. */
  async one(caller: Caller, id: string): Promise<Versioned<EnrollmentDto>> {
    const row = await this.views.findVisible(caller, id);
    if (!row) throw new NotFoundError('Enrollment');
    return { body: present(caller, row), version: row.version };
  }

  /** A page of the enrollments the caller's list selects, each as the caller may see it. */
  async page(caller: Caller, query: ListEnrollmentsQueryDto): Promise<Page<EnrollmentDto>> {
    const page = await this.views.pageVisible(caller, query);
    return { items: page.items.map((row) => present(caller, row)), nextCursor: page.nextCursor };
  }
}

/**
 * The one presenter of an enrollment for a caller (minimum necessary, by Audience). Its
 * timestamps arrive as the API's ISO text, formatted in SQL.
 */
export function present(caller: Caller, e: EnrollmentViewRow): EnrollmentDto {
  // Names of signers, why an enrollment ended, why it was extended (it may be medical):
  // the case workers' business only.
  const audience = audienceOf(caller);
  const caseWorker = audience === 'program';
  // The court's reasons: for the coordinator who works from them, and the court itself.
  const courtFile = caseWorker || audience === 'court';
  const decision = e.lastCourtDecision;
  return {
    id: e.id,
    participantId: e.participantId,
    arrestRecordId: e.arrestVisible ? e.arrestRecordId : null,
    programId: e.programId,
    ownerAgencyId: e.ownerAgencyId,
    assignedCoordinatorId: e.assignedCoordinatorId,
    site: e.site,
    status: e.status,
    startDate: e.startDate,
    scheduledEndDate: e.scheduledEndDate,
    extensions: e.extensions.map((x) => ({
      days: x.days,
      reason: caseWorker ? x.reason : null,
      grantedBy: x.grantedBy,
      grantedAt: x.grantedAt,
    })),
    milestones: e.milestones.map((m) => presentMilestone(m, m.detailsVisible, caller.agencyId)),
    consents: e.consents.map((c) => ({
      id: c.id,
      kind: c.kind,
      signedAt: c.signedAt,
      ...(caseWorker ? { signedBy: c.signedBy } : {}),
      serviceCategory: c.serviceCategory,
      recipientAgencyId: c.recipientAgencyId,
      expiresAt: c.expiresAt,
      revoked: c.revokedAt !== null,
      revokedAt: c.revokedAt,
    })),
    // The plan's history (corrections and removals, with reasons): the case workers'.
    planChanges: caseWorker
      ? e.planChanges.map((c) => ({
          milestoneId: c.milestoneId,
          kind: c.kind,
          category: c.category,
          before: {
            providerAgencyId: c.providerAgencyIdBefore,
            requiredSessions: c.requiredSessionsBefore,
          },
          after:
            c.kind === 'removed'
              ? null
              : {
                  providerAgencyId: c.providerAgencyIdAfter!,
                  requiredSessions: c.requiredSessionsAfter!,
                },
          reason: c.reason,
          changedBy: c.changedBy,
          changedAt: c.changedAt,
        }))
      : [],
    activatedAt: e.activatedAt,
    firstServiceAt: e.firstServiceAt,
    connectedWithin24h: connectedWithin24h(
      asDate(e.activatedAt),
      asDate(e.firstServiceAt),
      new Date(),
    ),
    submittedForReviewAt: e.submittedForReviewAt,
    reviewCourtAgencyId: e.reviewCourtAgencyId,
    shortfallReason: courtFile ? e.shortfallReason : null,
    lastCourtDecision: decision
      ? {
          decision: decision.decision,
          reasons: courtFile ? decision.reasons : null,
          decidedAt: decision.decidedAt,
          courtAgencyId: decision.courtAgencyId,
          substantialComplianceFinding: courtFile ? decision.substantialComplianceFinding : null,
          minorNotifiedAt: decision.minorNotifiedAt,
        }
      : null,
    completedAt: e.completedAt,
    endedAt: e.endedAt,
    endReason: caseWorker ? e.endReason : null,
    createdAt: e.createdAt,
    updatedAt: e.updatedAt,
  };
}
