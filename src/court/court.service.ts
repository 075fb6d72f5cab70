import { Injectable } from '@nestjs/common';
import { enrollmentVisibleTo } from '../access-scope/visibility';
import { assertIfMatch, Versioned } from '../common/http/etag';
import { Page, PageQueryDto, toPage } from '../common/pagination/pagination';
import { cursorTimestampSql, decodeTimeIdCursor } from '../common/pagination/time-id-cursor';
import type { EnrollmentAction } from '../enrollments/domain/enrollment-status';
import { checkTransition, EnrollmentLifecycle } from '../enrollments/enrollment-lifecycle.service';
import { EnrollmentsRepository } from '../enrollments/enrollments.repository';
import { Outbox } from '../events/outbox.service';
import type { ServiceCategory } from '../identity/agencies/agency-kind';
import type { Caller } from '../identity/access/caller';
import { UnitOfWork } from '../infrastructure/database/unit-of-work';
import { milestoneStatus } from '../milestones/domain/milestone-progress';
import { SealingService } from '../sealing/sealing.service';
import { CourtReviewEntity } from './court-review.entity';
import {
  CompletionDecisionDto,
  CompletionResultDto,
  CourtReviewDto,
} from './dto/completion-decision.dto';
import { ReviewQueueItemDto, ReviewQueueMilestoneDto } from './dto/review-queue.dto';

interface QueueRow {
  id: string;
  participant_id: string;
  case_number: string;
  site: string;
  start_date: string;
  scheduled_end_date: string;
  submitted_for_review_at: Date;
  cursor_at: string;
}

interface MilestoneProgressRow {
  enrollment_id: string;
  category: ServiceCategory;
  required_sessions: number;
  attended_sessions: number;
}

/** Court review: the queue of enrollments awaiting a decision, and the decision itself. */
@Injectable()
export class CourtService {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly outbox: Outbox,
    private readonly enrollments: EnrollmentsRepository,
    private readonly lifecycle: EnrollmentLifecycle,
    private readonly sealing: SealingService,
  ) {}

  /** Enrollments pending court review, the longest-waiting first. */
  async reviewQueue(page: PageQueryDto, caller: Caller): Promise<Page<ReviewQueueItemDto>> {
    const manager = this.uow.manager;
    const scope = enrollmentVisibleTo(caller, 'e');
    const qb = manager
      .createQueryBuilder()
      .from('enrollments', 'e')
      .innerJoin('participants', 'p', 'p.id = e.participant_id')
      .select('e.id', 'id')
      .addSelect('e.participant_id', 'participant_id')
      .addSelect('p.case_number', 'case_number')
      .addSelect('e.site', 'site')
      .addSelect('e.start_date', 'start_date')
      .addSelect('e.scheduled_end_date', 'scheduled_end_date')
      .addSelect('e.submitted_for_review_at', 'submitted_for_review_at')
      .addSelect(cursorTimestampSql('e.submitted_for_review_at'), 'cursor_at')
      .where(`e.status = 'pending_court_review'`)
      .andWhere('e.submitted_for_review_at IS NOT NULL')
      .andWhere(scope.sql, scope.params)
      .orderBy('e.submitted_for_review_at', 'ASC')
      .addOrderBy('e.id', 'ASC')
      .limit(page.limit + 1);
    if (page.cursor) {
      const key = decodeTimeIdCursor(page.cursor);
      qb.andWhere(
        '(e.submitted_for_review_at, e.id) > (:cursorAt::timestamptz, :cursorId::uuid)',
        key,
      );
    }
    const rows = await qb.getRawMany<QueueRow>();
    const result = toPage(
      rows,
      page.limit,
      (row) => [row.cursor_at, row.id],
      (row): ReviewQueueItemDto => ({
        id: row.id,
        participantId: row.participant_id,
        caseNumber: row.case_number,
        site: row.site,
        startDate: row.start_date,
        scheduledEndDate: row.scheduled_end_date,
        submittedForReviewAt: row.submitted_for_review_at.toISOString(),
        milestones: [],
      }),
    );
    if (result.items.length === 0) return result;

    // All milestones of the page in one query (no N+1): category and progress only.
    const milestones = await manager.query<MilestoneProgressRow[]>(
      `SELECT enrollment_id, category, required_sessions, attended_sessions
         FROM milestones WHERE enrollment_id = ANY($1::uuid[])
        ORDER BY enrollment_id, category`,
      [result.items.map((item) => item.id)],
    );
    const byEnrollment = new Map(result.items.map((item) => [item.id, item.milestones]));
    for (const m of milestones) {
      const milestone: ReviewQueueMilestoneDto = {
        category: m.category,
        requiredSessions: m.required_sessions,
        attendedSessions: m.attended_sessions,
        status: milestoneStatus(m.attended_sessions, m.required_sessions),
      };
      byEnrollment.get(m.enrollment_id)?.push(milestone);
    }
    return result;
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
    return this.uow.run(async (manager) => {
      const enrollment = await this.enrollments.lockVisible(caller, enrollmentId);
      assertIfMatch(ifMatch, enrollment.version);
      const confirmed = input.decision === 'confirmed';
      const action: EnrollmentAction = confirmed ? 'confirm_completion' : 'reject_completion';
      checkTransition(action, enrollment.status);

      const reviews = manager.getRepository(CourtReviewEntity);
      const review = await reviews.save(
        reviews.create({
          enrollmentId,
          courtAgencyId: caller.agencyId,
          decision: input.decision,
          courtOrderNumber: input.courtOrderNumber?.trim() || null,
          notes: input.notes?.trim() || null,
          decidedBy: caller.id,
        }),
      );

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

      const [view] = await this.enrollments.present(caller, [saved]);
      return {
        body: { ...view, review: CourtReviewDto.from(review), sealingNotices },
        version: saved.version,
      };
    });
  }
}
