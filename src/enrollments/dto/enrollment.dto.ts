import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import {
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  IsUUID,
  Length,
  Matches,
  Max,
  Min,
} from 'class-validator';
import { SERVICE_CATEGORIES, type ServiceCategory } from '../../identity/agencies/agency-kind';
import { PageQueryDto } from '../../common/pagination/pagination';
import { MilestoneDto } from '../milestones/dto/milestone.dto';
import { CONSENT_KINDS, type ConsentKind } from '../consent.entity';
import { ENROLLMENT_STATUSES, type EnrollmentStatus } from '../domain/enrollment-status';
import {
  ENDING_SOON_DEFAULT_DAYS,
  ENDING_SOON_MAX_DAYS,
  WORK_LISTS,
  type WorkList,
} from '../domain/work-lists';
import { IsCalendarDate } from './date-validators';

const trim = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value);

export class CreateEnrollmentDto {
  @ApiProperty({ format: 'uuid' })
  @IsUUID()
  participantId!: string;

  @ApiProperty({ format: 'uuid', description: 'An open arrest record of this participant' })
  @IsUUID()
  arrestRecordId!: string;

  @ApiProperty({ example: 'Compton', description: 'One of the program sites, when it lists any' })
  @Transform(trim)
  @IsString()
  @Length(1, 100)
  site!: string;

  @ApiProperty({ format: 'date', example: '2026-03-02' })
  @IsCalendarDate()
  startDate!: string;
}

export class ListEnrollmentsQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ enum: ENROLLMENT_STATUSES })
  @IsOptional()
  @IsIn(ENROLLMENT_STATUSES)
  status?: EnrollmentStatus;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @Length(1, 100)
  site?: string;

  @ApiPropertyOptional({
    format: 'uuid',
    description: 'Enrollments where this agency holds a milestone',
  })
  @IsOptional()
  @IsUUID()
  providerAgencyId?: string;

  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional()
  @IsUUID()
  participantId?: string;

  @ApiPropertyOptional({
    enum: WORK_LISTS,
    description:
      "A coordinator's work list (coordinators and admins): `ending_soon` active, ending within `withinDays` with an unmet milestone; `stalled` active with no attended session in 14 days; `ready_for_review` every milestone met, not yet submitted; `minor_notice_due` completed, every sealing notice acknowledged, the minor not yet told in writing",
  })
  @IsOptional()
  @IsIn(WORK_LISTS)
  view?: WorkList;

  @ApiPropertyOptional({
    minimum: 1,
    maximum: ENDING_SOON_MAX_DAYS,
    default: ENDING_SOON_DEFAULT_DAYS,
    description: 'With `view=ending_soon` only: how many days ahead to look',
  })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(ENDING_SOON_MAX_DAYS)
  withinDays?: number;

  @ApiPropertyOptional({
    description:
      'A caseload: `me` (the caller), `all` (every enrollment in scope) or a coordinator’s user id. A coordinator’s work list (`view=`) is its own caseload unless `assignedTo` says otherwise',
    example: 'me',
  })
  @IsOptional()
  @Matches(/^(me|all|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/i, {
    message: 'assignedTo must be `me`, `all` or a user id',
  })
  assignedTo?: string;
}

/** Body of `POST /enrollments/:id/assign`: the coordinator whose case it becomes. */
export class AssignEnrollmentDto {
  @ApiProperty({ format: 'uuid', description: 'An enabled coordinator of the owning agency' })
  @IsUUID()
  coordinatorId!: string;
}

export class ExtendEnrollmentDto {
  @ApiProperty({ type: 'integer', minimum: 1, maximum: 365 })
  @IsInt()
  @Min(1)
  @Max(365)
  days!: number;

  @ApiProperty({ example: 'Hospitalised for two weeks' })
  @Transform(trim)
  @IsString()
  @Length(1, 1000)
  reason!: string;
}

/** Body of submit-for-review (may be empty when the program has one court and the plan is met). */
export class SubmitForReviewDto {
  @ApiPropertyOptional({
    format: 'uuid',
    description:
      'The court the enrollment goes before; only its users see and decide it. Required when ' +
      'there is more than one court agency',
  })
  @IsOptional()
  @IsUUID()
  courtAgencyId?: string;

  @ApiPropertyOptional({
    maxLength: 4000,
    description:
      'When a milestone is short: why the coordinator asks the court to find substantial ' +
      'compliance. Without it a short milestone refuses the submission (409)',
  })
  @IsOptional()
  @Transform(trim)
  @IsString()
  @Length(1, 4000)
  shortfallReason?: string;
}

/** Body of withdraw and terminate. */
export class EndEnrollmentDto {
  @ApiProperty({ example: 'Moved out of county' })
  @Transform(trim)
  @IsString()
  @Length(1, 1000)
  reason!: string;
}

export class ExtensionDto {
  @ApiProperty({ type: 'integer' }) days!: number;
  @ApiProperty({
    type: String,
    nullable: true,
    description: 'Shown to the owning agency and admins only (it may be medical); null otherwise',
  })
  reason!: string | null;
  @ApiProperty({ format: 'uuid', description: 'The user who granted it' }) grantedBy!: string;
  @ApiProperty({ format: 'date-time' }) grantedAt!: string;
}

export class ConsentSummaryDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ enum: CONSENT_KINDS }) kind!: ConsentKind;
  @ApiProperty({ format: 'date-time' }) signedAt!: string;
  @ApiPropertyOptional({ description: 'Coordinators and admins only' }) signedBy?: string;
  @ApiProperty({ enum: SERVICE_CATEGORIES, nullable: true })
  serviceCategory!: ServiceCategory | null;
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) recipientAgencyId!: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) expiresAt!: string | null;
  @ApiProperty() revoked!: boolean;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) revokedAt!: string | null;
}

export class PlanLineDto {
  @ApiProperty({ format: 'uuid' }) providerAgencyId!: string;
  @ApiProperty() requiredSessions!: number;
}

/** A correction or removal of a milestone of the plan, with its reason (nothing is erased). */
export class PlanChangeDto {
  @ApiProperty({ format: 'uuid' }) milestoneId!: string;
  @ApiProperty({ enum: ['corrected', 'removed'] }) kind!: 'corrected' | 'removed';
  @ApiProperty({ enum: SERVICE_CATEGORIES }) category!: ServiceCategory;
  @ApiProperty({ type: PlanLineDto }) before!: PlanLineDto;
  @ApiProperty({ type: PlanLineDto, nullable: true, description: 'null for a removal' })
  after!: PlanLineDto | null;
  @ApiProperty() reason!: string;
  @ApiProperty({ format: 'uuid' }) changedBy!: string;
  @ApiProperty({ format: 'date-time' }) changedAt!: string;
}

/** The court's latest decision on an enrollment (API.md Additions, "Court jurisdiction"). */
export class CourtDecisionSummaryDto {
  @ApiProperty({ enum: ['confirmed', 'rejected', 'unsatisfactory'] })
  decision!: 'confirmed' | 'rejected' | 'unsatisfactory';
  @ApiProperty({
    type: String,
    nullable: true,
    description:
      'Why the court rejected or found the completion unsatisfactory (null on a confirmation); ' +
      'shown to coordinators, admins and the court, null for others',
  })
  reasons!: string | null;
  @ApiProperty({ format: 'date-time' }) decidedAt!: string;
  @ApiProperty({ format: 'uuid' }) courtAgencyId!: string;
  @ApiProperty({
    type: String,
    nullable: true,
    description: 'A confirmation with a milestone short: the finding of substantial compliance',
  })
  substantialComplianceFinding!: string | null;
  @ApiProperty({
    type: String,
    format: 'date-time',
    nullable: true,
    description: 'A finding of unsatisfactory completion: when the minor was told in writing',
  })
  minorNotifiedAt!: string | null;
}

export class EnrollmentDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) participantId!: string;
  @ApiProperty({
    type: String,
    format: 'uuid',
    nullable: true,
    description:
      'null once the arrest record is sealed, and for callers who may not see arrest records',
  })
  arrestRecordId!: string | null;
  @ApiProperty({ format: 'uuid' }) programId!: string;
  @ApiProperty({ format: 'uuid', description: "The coordinator's agency that owns the enrollment" })
  ownerAgencyId!: string;
  @ApiProperty({ format: 'uuid', description: 'The coordinator whose case it is (caseload)' })
  assignedCoordinatorId!: string;
  @ApiProperty() site!: string;
  @ApiProperty({ enum: ENROLLMENT_STATUSES }) status!: EnrollmentStatus;
  @ApiProperty({ format: 'date' }) startDate!: string;
  @ApiProperty({ format: 'date', description: 'Start + program length + every extension' })
  scheduledEndDate!: string;
  @ApiProperty({ type: ExtensionDto, isArray: true }) extensions!: ExtensionDto[];
  @ApiProperty({ type: MilestoneDto, isArray: true }) milestones!: MilestoneDto[];
  @ApiProperty({ type: ConsentSummaryDto, isArray: true }) consents!: ConsentSummaryDto[];
  @ApiProperty({
    type: PlanChangeDto,
    isArray: true,
    description: "The plan's corrections and removals, oldest first; coordinators and admins only",
  })
  planChanges!: PlanChangeDto[];
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) activatedAt!: string | null;
  @ApiProperty({
    type: String,
    format: 'date-time',
    nullable: true,
    description: "First 'present' attendance in any category",
  })
  firstServiceAt!: string | null;
  @ApiProperty({
    type: Boolean,
    nullable: true,
    description:
      'Connected to a service within 24 hours of activation; null while that is not yet known',
  })
  connectedWithin24h!: boolean | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  submittedForReviewAt!: string | null;
  @ApiProperty({
    type: String,
    format: 'uuid',
    nullable: true,
    description: 'The court the enrollment was submitted to (only its users decide it)',
  })
  reviewCourtAgencyId!: string | null;
  @ApiProperty({
    type: String,
    nullable: true,
    description:
      'Why the coordinator asked for a finding of substantial compliance (a milestone short); ' +
      'coordinators, admins and the court only',
  })
  shortfallReason!: string | null;
  @ApiProperty({ type: CourtDecisionSummaryDto, nullable: true })
  lastCourtDecision!: CourtDecisionSummaryDto | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) completedAt!: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) endedAt!: string | null;
  @ApiProperty({ type: String, nullable: true, description: 'Coordinators and admins only' })
  endReason!: string | null;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ format: 'date-time' }) updatedAt!: string;
}
