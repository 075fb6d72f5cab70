import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  IsIn,
  IsOptional,
  IsString,
  Length,
  Matches,
  MaxLength,
  ValidateIf,
} from 'class-validator';
import { EnrollmentDto } from '../../enrollments/dto/enrollment.dto';
import type { CourtReviewEntity } from '../court-review.entity';

export const COURT_DECISIONS = ['confirmed', 'rejected'] as const;
export type CourtDecision = (typeof COURT_DECISIONS)[number];

export class CompletionDecisionDto {
  @ApiProperty({ enum: COURT_DECISIONS })
  @IsIn(COURT_DECISIONS)
  decision!: CourtDecision;

  @ApiPropertyOptional({ maxLength: 100, example: 'JV-2026-0042' })
  @IsOptional()
  @IsString()
  @Length(1, 100)
  courtOrderNumber?: string;

  @ApiPropertyOptional({
    maxLength: 4000,
    description: 'Required when rejecting: the reasons, which the coordinator works from',
  })
  @ValidateIf(
    (body: CompletionDecisionDto) => body.decision === 'rejected' || body.notes !== undefined,
  )
  @IsString({ message: 'notes must give the reasons for a rejection' })
  @MaxLength(4000)
  @Matches(/\S/, { message: 'notes must give the reasons for a rejection' })
  notes?: string;
}

export class CourtReviewDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ enum: COURT_DECISIONS }) decision!: CourtDecision;
  @ApiProperty({ type: String, nullable: true }) courtOrderNumber!: string | null;
  @ApiProperty({ type: String, nullable: true }) notes!: string | null;
  @ApiProperty({ format: 'uuid' }) courtAgencyId!: string;
  @ApiProperty({ format: 'uuid' }) decidedBy!: string;
  @ApiProperty({ format: 'date-time' }) decidedAt!: string;

  static from(review: CourtReviewEntity): CourtReviewDto {
    return {
      id: review.id,
      decision: review.decision,
      courtOrderNumber: review.courtOrderNumber,
      notes: review.notes,
      courtAgencyId: review.courtAgencyId,
      decidedBy: review.decidedBy,
      decidedAt: review.decidedAt.toISOString(),
    };
  }
}

/**
 * The enrollment after the court's decision: the same view as `GET /enrollments/:id` (so
 * no arrest record reference once it is sealed), with the review just recorded.
 */
export class CompletionResultDto extends EnrollmentDto {
  @ApiProperty({ type: CourtReviewDto }) review!: CourtReviewDto;
  @ApiProperty({
    type: 'integer',
    description: 'Sealing notices created by this decision (0 on a rejection)',
  })
  sealingNotices!: number;
}
