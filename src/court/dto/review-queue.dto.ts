import { ApiProperty } from '@nestjs/swagger';
import { SERVICE_CATEGORIES, type ServiceCategory } from '../../identity/agencies/agency-kind';
import {
  MILESTONE_OUTCOMES,
  type MilestoneOutcome,
} from '../../enrollments/domain/milestone-progress';

/**
 * A milestone as the court sees it: category and met / not met, never session counts or
 * details (minimum necessary; counts of substance-use sessions are Part 2 records).
 */
export class ReviewQueueMilestoneDto {
  @ApiProperty({ enum: SERVICE_CATEGORIES }) category!: ServiceCategory;
  @ApiProperty({ enum: MILESTONE_OUTCOMES }) status!: MilestoneOutcome;
}

/**
 * An enrollment waiting for the court: the minimum to pick it from the queue. No names, no
 * arrest details: the clerk opens the enrollment for those.
 */
export class ReviewQueueItemDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) participantId!: string;
  @ApiProperty({ example: 'FS-2026-000123' }) caseNumber!: string;
  @ApiProperty() site!: string;
  @ApiProperty({ format: 'date' }) startDate!: string;
  @ApiProperty({ format: 'date' }) scheduledEndDate!: string;
  @ApiProperty({ format: 'date-time' }) submittedForReviewAt!: string;
  @ApiProperty({ type: ReviewQueueMilestoneDto, isArray: true })
  milestones!: ReviewQueueMilestoneDto[];
}
