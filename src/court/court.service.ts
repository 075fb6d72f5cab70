import { Injectable } from '@nestjs/common';
import { assertIfMatch, Versioned } from '../common/http/etag';
import { TIME_ID } from '../common/pagination/keyset';
import { Page, PageQueryDto } from '../common/pagination/pagination';
import { milestoneStatus, planIsComplete } from '../enrollments/domain/milestone-progress';
import { DomainError } from '../common/errors/domain-error';
import { AuditContext } from '../infrastructure/audit-context/audit-context';
import type { EnrollmentAction } from '../enrollments/domain/enrollment-status';
import { checkTransition, EnrollmentLifecycle } from '../enrollments/enrollment-lifecycle.service';
import { EnrollmentViews } from '../enrollments/enrollment-views';
import { EnrollmentsRepository } from '../enrollments/enrollments.repository';
import { MilestonesRepository } from '../enrollments/milestones/milestones.repository';
import { Outbox } from '../events/outbox.service';
import type { Caller } from '../identity/access/caller';
import { UnitOfWork } from '../infrastructure/database/unit-of-work';
import { ParticipantsRepository } from '../participants/participants.repository';
import { SealingService } from '../sealing/sealing.service';
import { CourtReviewsRepository } from './court-reviews.repository';
import type { CourtDecision } from './court-review.entity';
import {
  CompletionDecisionDto,
  CompletionResultDto,
  CourtReviewDto,
} from './dto/completion-decision.dto';
import { ReviewQueueItemDto } from './dto/review-queue.dto';

const ACTION_OF: Record<CourtDecision, EnrollmentAction> = {
  confirmed: 'confirm_completion',
  rejected: 'reject_completion',
  unsatisfactory: 'find_unsatisfactory',
};

/** Court review: the queue of enrollments awaiting a decision, and the decision itself. */
@Injectable()
export class CourtService {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly outbox: Outbox,
    private readonly enrollments: EnrollmentsRepository,
    private readonly milestones: MilestonesRepository,
    private readonly participants: ParticipantsRepository,
    private readonly reviews: CourtReviewsRepository,
    private readonly views: EnrollmentViews,
    private readonly lifecycle: EnrollmentLifecycle,
    private readonly sealing: SealingService,
    private readonly auditContext: AuditContext,
  ) {}

  /**
   * Enrollments pending court review, the longest-waiting first, with each one's case number
   * and milestone progress: three queries for the page, whatever its size.
   */
  async reviewQueue(page: PageQueryDto, caller: Caller): Promise<Page<ReviewQueueItemDto>> {
    const rows = await this.enrollments.pendingReviewPage(caller, page);
    const result = TIME_ID.page(
      rows,
      page.limit,
      (row) => [row.cursorAt, row.id],
      (row) => row,
    );
    const ids = result.items.map((row) => row.id);
    const caseNumbers = await this.participants.caseNumbersOf(
      result.items.map((row) => row.participantId),
    );
    const progress = await this.milestones.progressOf(ids);
    return {
      nextCursor: result.nextCursor,
      items: result.items.map((row) => ({
        id: row.id,
        participantId: row.participantId,
        caseNumber: caseNumbers.get(row.participantId) ?? '',
        site: row.site,
        startDate: row.startDate,
        scheduledEndDate: row.scheduledEndDate,
        submittedForReviewAt: row.submittedForReviewAt.toISOString(),
        milestones: progress
          .filter((m) => m.enrollmentId === row.id)
          .map((m) => ({
            category: m.category,
            requiredSessions: m.requiredSessions,
            attendedSessions: m.attendedSessions,
            status: milestoneStatus(m.attendedSessions, m.requiredSessions),
          })),
      })),
    };
  }

  /**
   * The court's decision, in ONE transaction: the review, the status change (through the
   * enrollment lifecycle, which writes `enrollment.status_changed` and its audit entry), on
   * confirmation the seal with its notices and events, and `enrollment.completed`. If any
   * part fails, nothing of it is stored.
   *
   * Only the court the enrollment was submitted to finds it (404 for any other: the scoped
   * lock). A rejection or a finding of unsatisfactory completion gives reasons (the
   * coordinator sees them); the latter ends the enrollment `terminated` and records the
   * written notice to the minor (Rule of Court 5.850). Confirming while a milestone is short
   * needs a finding of substantial compliance, recorded with the review and in the audit trail.
   */
  async decide(
    enrollmentId: string,
    input: CompletionDecisionDto,
    caller: Caller,
    ifMatch?: string,
  ): Promise<Versioned<CompletionResultDto>> {
    return this.uow.run(async () => {
      const enrollment = await this.enrollments.lockVisible(caller, enrollmentId);
      assertIfMatch(ifMatch, enrollment.version);
      const action = ACTION_OF[input.decision];
      checkTransition(action, enrollment.status);
      const confirmed = input.decision === 'confirmed';
      const finding = input.substantialComplianceFinding?.trim() || null;
      if (confirmed) {
        const plan = await this.milestones.progressOfEnrollment(enrollmentId, {
          lockShared: true,
        });
        const met = planIsComplete(plan);
        if (!met && !finding) {
          throw new DomainError(
            'COURT_FINDING_REQUIRED',
            'A milestone of the plan is not met: confirm with a substantialComplianceFinding, or reject',
          );
        }
        if (met && finding) {
          throw new DomainError(
            'COURT_FINDING_NOT_APPLICABLE',
            'Every milestone of the plan is met: confirm without a substantialComplianceFinding',
          );
        }
      } else if (finding) {
        throw new DomainError(
          'COURT_FINDING_NOT_APPLICABLE',
          'A finding of substantial compliance goes with a confirmation only',
        );
      }
      const notice = input.minorNotice;
      if (notice && input.decision !== 'unsatisfactory') {
        throw new DomainError('VALIDATION_FAILED', 'minorNotice goes with `unsatisfactory` only', [
          { field: 'minorNotice', message: 'minorNotice goes with `unsatisfactory` only' },
        ]);
      }
      if (notice && new Date(notice.notifiedAt).getTime() > Date.now()) {
        throw new DomainError('VALIDATION_FAILED', 'minorNotice.notifiedAt is in the future', [
          { field: 'minorNotice.notifiedAt', message: 'notifiedAt must not be in the future' },
        ]);
      }
      // v1 clients gave a rejection's reasons as notes (the DTO requires one or the other).
      const reasons = confirmed ? null : (input.reasons ?? input.notes)!.trim();

      const review = await this.reviews.insert({
        enrollmentId,
        courtAgencyId: caller.agencyId,
        decision: input.decision,
        courtOrderNumber: input.courtOrderNumber?.trim() || null,
        notes: input.notes?.trim() || null,
        reasons,
        substantialComplianceFinding: finding,
        minorNotifiedAt: notice ? new Date(notice.notifiedAt) : null,
        minorNotificationMethod: notice ? notice.method.trim() : null,
        decidedBy: caller.id,
      });

      const now = new Date();
      const saved = await this.lifecycle.transition(
        enrollment,
        action,
        confirmed
          ? { completedAt: now }
          : input.decision === 'unsatisfactory'
            ? { endedAt: now, endReason: reasons }
            : {},
      );
      if (finding) {
        this.auditContext.add({
          action: 'enrollment.substantial_compliance_found',
          subjectType: 'enrollment',
          subjectId: enrollmentId,
        });
      }
      if (notice) {
        this.auditContext.add({
          action: 'enrollment.minor_notified_of_unsatisfactory_completion',
          subjectType: 'enrollment',
          subjectId: enrollmentId,
        });
      }
      let sealingNotices = 0;
      if (confirmed) {
        const sealing = await this.sealing.sealForCompletion(saved);
        sealingNotices = sealing.notices.length;
        await this.outbox.emit({
          type: 'enrollment.completed',
          enrollmentId,
          data: {
            enrollmentId,
            participantId: saved.participantId,
            completedAt: saved.completedAt!.toISOString(),
            substantialCompliance: finding !== null,
          },
        });
      }

      const view = await this.views.one(caller, saved.id);
      return {
        body: { ...view.body, review: CourtReviewDto.from(review), sealingNotices },
        version: view.version,
      };
    });
  }
}
