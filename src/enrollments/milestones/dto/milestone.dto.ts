import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, IsUUID, Length, Max, Min } from 'class-validator';
import { redisclosureNoticeFor } from '../../../privacy/part2';
import { SERVICE_CATEGORIES, type ServiceCategory } from '../../../identity/agencies/agency-kind';
import { milestoneStatus, type MilestoneStatus } from '../../domain/milestone-progress';
import type { MilestoneEntity } from '../milestone.entity';

/** What a milestone's presentation needs: the entity, or the same fields read as JSON. */
export type MilestoneFacts = Pick<
  MilestoneEntity,
  'id' | 'enrollmentId' | 'category' | 'providerAgencyId' | 'requiredSessions' | 'attendedSessions'
> & { metAt: Date | string | null };

export const MILESTONE_STATUSES: readonly MilestoneStatus[] = ['not_started', 'in_progress', 'met'];

export class CreateMilestoneDto {
  @ApiProperty({ enum: SERVICE_CATEGORIES })
  @IsIn(SERVICE_CATEGORIES)
  category!: ServiceCategory;

  @ApiProperty({
    format: 'uuid',
    description: 'The agency delivering the service; it must offer it',
  })
  @IsUUID()
  providerAgencyId!: string;

  @ApiProperty({
    minimum: 1,
    maximum: 1000,
    description: 'Sessions to attend (for shelter: nights or placement days)',
  })
  @IsInt()
  @Min(1)
  @Max(1000)
  requiredSessions!: number;
}

const trim = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value);

/** Body of `PATCH /milestones/:id`: a correction of the plan, with its reason (kept in the history). */
export class CorrectMilestoneDto {
  @ApiPropertyOptional({ format: 'uuid', description: 'The agency delivering it from now on' })
  @IsOptional()
  @IsUUID()
  providerAgencyId?: string;

  @ApiPropertyOptional({ minimum: 1, maximum: 1000 })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(1000)
  requiredSessions?: number;

  @ApiProperty({ example: 'The clinic closed its evening group', maxLength: 1000 })
  @Transform(trim)
  @IsString()
  @Length(1, 1000)
  reason!: string;
}

/** Query of `DELETE /milestones/:id`: why the milestone leaves the plan (kept in the history). */
export class RemoveMilestoneQueryDto {
  @ApiProperty({ example: 'Added by mistake: the minor is in school already', maxLength: 1000 })
  @Transform(trim)
  @IsString()
  @Length(1, 1000)
  reason!: string;
}

export class MilestoneProgressDto {
  @ApiProperty() attendedSessions!: number;
  @ApiProperty() requiredSessions!: number;
  @ApiProperty({ enum: MILESTONE_STATUSES }) status!: MilestoneStatus;
}

/**
 * A milestone as the caller may see it. Callers who may not see session-level details (other
 * providers, court) get `id`, `category` and `status` only (42 CFR Part 2, minimum necessary).
 */
export class MilestoneDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiPropertyOptional({ format: 'uuid' }) enrollmentId?: string;
  @ApiProperty({ enum: SERVICE_CATEGORIES }) category!: ServiceCategory;
  @ApiProperty({ enum: MILESTONE_STATUSES, description: 'not_started, in_progress or met' })
  status!: MilestoneStatus;
  @ApiPropertyOptional({ format: 'uuid', description: 'Only with details access' })
  providerAgencyId?: string;
  @ApiPropertyOptional({ description: 'Only with details access' }) requiredSessions?: number;
  @ApiPropertyOptional({ description: "'present' sessions; only with details access" })
  attendedSessions?: number;
  @ApiPropertyOptional({ type: String, format: 'date-time', nullable: true })
  metAt?: string | null;
  @ApiPropertyOptional({ type: MilestoneProgressDto, description: 'Only with details access' })
  progress?: MilestoneProgressDto;
  @ApiPropertyOptional({
    description:
      '42 CFR 2.32 notice, present when substance-use treatment data is disclosed to an agency other than the provider',
  })
  redisclosureNotice?: string;
}

/**
 * The one presenter of a milestone: details only when `detailsVisible` (computed in SQL by
 * milestoneDetailsVisibleTo), with the redisclosure notice when the reader is not the provider.
 */
export function presentMilestone(
  milestone: MilestoneFacts,
  detailsVisible: boolean,
  readerAgencyId: string,
): MilestoneDto {
  const status = milestoneStatus(milestone.attendedSessions, milestone.requiredSessions);
  if (!detailsVisible) return { id: milestone.id, category: milestone.category, status };
  const notice = redisclosureNoticeFor(
    milestone.category,
    milestone.providerAgencyId,
    readerAgencyId,
  );
  return {
    id: milestone.id,
    enrollmentId: milestone.enrollmentId,
    category: milestone.category,
    providerAgencyId: milestone.providerAgencyId,
    requiredSessions: milestone.requiredSessions,
    attendedSessions: milestone.attendedSessions,
    status,
    metAt: milestone.metAt ? new Date(milestone.metAt).toISOString() : null,
    progress: {
      attendedSessions: milestone.attendedSessions,
      requiredSessions: milestone.requiredSessions,
      status,
    },
    ...(notice ? { redisclosureNotice: notice } : {}),
  };
}
