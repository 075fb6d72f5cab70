import type { EntityManager } from 'typeorm';
import { enrollmentVisibleTo, milestoneDetailsVisibleTo } from '../access-scope/visibility';
import { EnrollmentEntity } from '../enrollments/enrollment.entity';
import type { Caller } from '../identity/access/caller';
import { MilestoneDto, presentMilestone } from './dto/milestone.dto';
import { MilestoneEntity } from './milestone.entity';

export interface MilestoneView {
  milestone: MilestoneEntity;
  dto: MilestoneDto;
}

/**
 * Milestones of the given enrollments as the caller may see them, in ONE query (no N+1):
 * whether the caller may see each one's details is computed in SQL by the shared predicate.
 * Only milestones of enrollments visible to the caller are returned.
 */
export async function loadMilestoneViews(
  manager: EntityManager,
  caller: Caller,
  where: { enrollmentIds: string[] } | { milestoneId: string },
): Promise<MilestoneView[]> {
  if ('enrollmentIds' in where && where.enrollmentIds.length === 0) return [];
  const scope = enrollmentVisibleTo(caller, 'e');
  const details = milestoneDetailsVisibleTo(caller, 'm', 'e');
  const query = manager
    .getRepository(MilestoneEntity)
    .createQueryBuilder('m')
    .innerJoin(EnrollmentEntity, 'e', 'e.id = m.enrollment_id')
    .addSelect(`(${details.sql})`, 'details_visible')
    .where(scope.sql, scope.params)
    .orderBy('m.createdAt', 'ASC')
    .addOrderBy('m.id', 'ASC');
  if ('enrollmentIds' in where) {
    query.andWhere('m.enrollment_id IN (:...enrollmentIds)', {
      enrollmentIds: where.enrollmentIds,
    });
  } else {
    query.andWhere('m.id = :milestoneId', { milestoneId: where.milestoneId });
  }
  const { entities, raw } = await query.getRawAndEntities<{
    m_id: string;
    details_visible: boolean;
  }>();
  const visible = new Map(raw.map((row) => [row.m_id, row.details_visible === true]));
  return entities.map((milestone) => ({
    milestone,
    dto: presentMilestone(milestone, visible.get(milestone.id) ?? false, caller.agencyId),
  }));
}
