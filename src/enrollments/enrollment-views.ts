import { Injectable } from '@nestjs/common';
import { NotFoundError } from '../common/errors/domain-error';
import type { Versioned } from '../common/http/etag';
import type { Caller } from '../identity/access/caller';
import { audienceOf } from '../privacy/audience';
import { connectedWithin24h } from './domain/connection-time';
import type { EnrollmentDto } from './dto/enrollment.dto';
import { EnrollmentViewRow, EnrollmentViewsRepository } from './enrollment-views.repository';
import { presentMilestone } from './milestones/dto/milestone.dto';

const iso = (value: Date | string | null): string | null =>
  value === null ? null : new Date(value).toISOString();

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

  /** The views of these enrollments, in the order given. */
  async of(caller: Caller, ids: readonly string[]): Promise<EnrollmentDto[]> {
    return (await this.views.ofIds(caller, ids)).map((row) => present(caller, row));
  }
}

/** The one presenter of an enrollment for a caller (minimum necessary, by Audience). */
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
    site: e.site,
    status: e.status,
    startDate: e.startDate,
    scheduledEndDate: e.scheduledEndDate,
    extensions: e.extensions.map((x) => ({
      days: x.days,
      reason: caseWorker ? x.reason : null,
      grantedBy: x.grantedBy,
      grantedAt: iso(x.grantedAt)!,
    })),
    milestones: e.milestones.map((m) => presentMilestone(m, m.detailsVisible, caller.agencyId)),
    consents: e.consents.map((c) => ({
      id: c.id,
      kind: c.kind,
      signedAt: iso(c.signedAt)!,
      ...(caseWorker ? { signedBy: c.signedBy } : {}),
      serviceCategory: c.serviceCategory,
      recipientAgencyId: c.recipientAgencyId,
      expiresAt: iso(c.expiresAt),
      revoked: c.revokedAt !== null,
      revokedAt: iso(c.revokedAt),
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
          changedAt: iso(c.changedAt)!,
        }))
      : [],
    activatedAt: iso(e.activatedAt),
    firstServiceAt: iso(e.firstServiceAt),
    connectedWithin24h: connectedWithin24h(e.activatedAt, e.firstServiceAt, new Date()),
    submittedForReviewAt: iso(e.submittedForReviewAt),
    reviewCourtAgencyId: e.reviewCourtAgencyId,
    shortfallReason: courtFile ? e.shortfallReason : null,
    lastCourtDecision: decision
      ? {
          decision: decision.decision,
          reasons: courtFile ? decision.reasons : null,
          decidedAt: iso(decision.decidedAt)!,
          courtAgencyId: decision.courtAgencyId,
          substantialComplianceFinding: courtFile ? decision.substantialComplianceFinding : null,
          minorNotifiedAt: iso(decision.minorNotifiedAt),
        }
      : null,
    completedAt: iso(e.completedAt),
    endedAt: iso(e.endedAt),
    endReason: caseWorker ? e.endReason : null,
    createdAt: iso(e.createdAt)!,
    updatedAt: iso(e.updatedAt)!,
  };
}
