import { Injectable } from '@nestjs/common';
import { assertIfMatch, Versioned } from '../common/http/etag';
import { TIME_ID } from '../common/pagination/keyset';
import { Page, PageQueryDto } from '../common/pagination/pagination';
import { milestoneOutcome } from '../enrollments/domain/milestone-progress';
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
import {
  CompletionDecisionDto,
  CompletionResultDto,
  CourtReviewDto,
} from './dto/completion-decision.dto';
import { ReviewQueueItemDto } from './dto/review-queue.dto';

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
          // The court decides on met / not met; session counts are treatment details (and
          // substance-use ones would need the 42 CFR 2.32 notice): not shown.
          .map((m) => ({
            category: m.category,
            status: milestoneOutcome(m.attendedSessions, m.requiredSessions),
          })),
      })),
    };
  }

  /**
   * The court's decision, in ONE transaction: the review, the status change (through the
   * enrollment lifecycle, which writes `enrollment.status_changed` and its audit entry), on
   * confirmation the seal with its notices and events, and `enrollment.completed`. If any
   * part fails, nothing of it is stored.
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
      const confirmed = input.decision === 'confirmed';
      const action: EnrollmentAction = confirmed ? 'confirm_completion' : 'reject_completion';
      checkTransition(action, enrollment.status);

      const review = await this.reviews.insert({
        enrollmentId,
        courtAgencyId: caller.agencyId,
        decision: input.decision,
        courtOrderNumber: input.courtOrderNumber?.trim() || null,
        notes: input.notes?.trim() || null,
        decidedBy: caller.id,
      });

      const saved = await this.lifecycle.transition(
        enrollment,
        action,
        confirmed ? { completedAt: new Date() } : {},
      );
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
