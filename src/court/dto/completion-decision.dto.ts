import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  IsIn,
  IsISO8601,
  IsObject,
  IsOptional,
  IsString,
  Length,
  Matches,
  MaxLength,
  ValidateIf,
  ValidateNested,
} from 'class-validator';
import { EnrollmentDto } from '../../enrollments/dto/enrollment.dto';
import {
  COURT_DECISIONS,
  type CourtDecision,
  type CourtReviewEntity,
} from '../court-review.entity';

export { COURT_DECISIONS, type CourtDecision };

/** Reasons are required unless the court confirms (v1 clients gave them as `notes`). */
const needsReasons = (body: CompletionDecisionDto) =>
  body.decision !== 'confirmed' && (body.reasons !== undefined || body.notes === undefined);

/** The written notice to the minor of a finding of unsatisfactory completion (Rule of Court 5.850). */
export class MinorNoticeDto {
  @ApiProperty({ format: 'date-time', description: 'When the minor was told, in writing' })
  @IsISO8601({ strict: true })
  notifiedAt!: string;

  @ApiProperty({ example: 'letter', maxLength: 100, description: 'How the notice was given' })
  @IsString()
  @Length(1, 100)
  @Matches(/\S/, { message: 'method must say how the minor was told' })
  method!: string;
}

export class CompletionDecisionDto {
  @ApiProperty({
    enum: COURT_DECISIONS,
    description:
      '`confirmed` completes and seals; `rejected` returns the enrollment to `active`; ' +
      '`unsatisfactory` (a finding of unsatisfactory completion) ends it as `terminated`',
  })
  @IsIn(COURT_DECISIONS)
  decision!: CourtDecision;

  @ApiPropertyOptional({ maxLength: 100, example: 'JV-2026-0042' })
  @IsOptional()
  @IsString()
  @Length(1, 100)
  courtOrderNumber?: string;

  @ApiPropertyOptional({
    maxLength: 4000,
    description:
      'Required unless confirming: why the court rejected or found the completion unsatisfactory. ' +
      'Shown to the coordinator as `lastCourtDecision.reasons`.',
  })
  @ValidateIf(needsReasons)
  @IsString({ message: 'reasons must say why the court did not confirm' })
  @MaxLength(4000)
  @Matches(/\S/, { message: 'reasons must say why the court did not confirm' })
  reasons?: string;

  @ApiPropertyOptional({
    maxLength: 4000,
    description: 'Court notes; a v1 rejection without `reasons` gives its reasons here',
  })
  @ValidateIf((body: CompletionDecisionDto) => body.notes !== undefined)
  @IsString()
  @MaxLength(4000)
  @Matches(/\S/, { message: 'notes must not be blank' })
  notes?: string;

  @ApiPropertyOptional({
    maxLength: 4000,
    description:
      'Confirming while a milestone is short: the finding of substantial compliance and why ' +
      '(required then; refused when every milestone is met)',
  })
  @ValidateIf((body: CompletionDecisionDto) => body.substantialComplianceFinding !== undefined)
  @IsString()
  @MaxLength(4000)
  @Matches(/\S/, { message: 'substantialComplianceFinding must give the reason' })
  substantialComplianceFinding?: string;

  @ApiPropertyOptional({
    type: MinorNoticeDto,
    description: 'Required with `unsatisfactory`: the written notice to the minor',
  })
  @ValidateIf(
    (body: CompletionDecisionDto) =>
      body.decision === 'unsatisfactory' || body.minorNotice !== undefined,
  )
  @IsObject({ message: 'minorNotice is required with `unsatisfactory`: the notice to the minor' })
  @ValidateNested()
  @Type(() => MinorNoticeDto)
  minorNotice?: MinorNoticeDto;
}

export class CourtReviewDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ enum: COURT_DECISIONS }) decision!: CourtDecision;
  @ApiProperty({ type: String, nullable: true }) courtOrderNumber!: string | null;
  @ApiProperty({ type: String, nullable: true }) notes!: string | null;
  @ApiProperty({ type: String, nullable: true }) reasons!: string | null;
  @ApiProperty({ type: String, nullable: true }) substantialComplianceFinding!: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  minorNotifiedAt!: string | null;
  @ApiProperty({ type: String, nullable: true }) minorNotificationMethod!: string | null;
  @ApiProperty({ format: 'uuid' }) courtAgencyId!: string;
  @ApiProperty({ format: 'uuid' }) decidedBy!: string;
  @ApiProperty({ format: 'date-time' }) decidedAt!: string;

  static from(review: CourtReviewEntity): CourtReviewDto {
    return {
      id: review.id,
      decision: review.decision,
      courtOrderNumber: review.courtOrderNumber,
      notes: review.notes,
      reasons: review.reasons,
      substantialComplianceFinding: review.substantialComplianceFinding,
      minorNotifiedAt: review.minorNotifiedAt ? review.minorNotifiedAt.toISOString() : null,
      minorNotificationMethod: review.minorNotificationMethod,
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
  @ApiProperty({ description: 'Sealing notices created by this decision (0 unless confirmed)' })
  sealingNotices!: number;
}
