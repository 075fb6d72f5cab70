import { Outbox } from '../../events/outbox.service';
import { Injectable } from '@nestjs/common';
import { DomainError, NotFoundError } from '../../common/errors/domain-error';
import { assertIfMatch, Versioned } from '../../common/http/etag';
import type { EnrollmentStatus } from '../domain/enrollment-status';
import { EnrollmentLifecycle } from '../enrollment-lifecycle.service';
import { EnrollmentsRepository } from '../enrollments.repository';
import type { Caller } from '../../identity/access/caller';
import { AgenciesService } from '../../identity/agencies/agencies.service';
import { isUniqueViolation } from '../../infrastructure/database/postgres-errors';
import { UnitOfWork } from '../../infrastructure/database/unit-of-work';
import { CreateMilestoneDto, MilestoneDto, presentMilestone } from './dto/milestone.dto';
import { MilestoneEntity } from './milestone.entity';
import { MilestonesRepository } from './milestones.repository';

/** The service plan may change until the enrollment goes to court review. */
const PLAN_OPEN: readonly EnrollmentStatus[] = ['pending_consent', 'active'];
const ONE_PER_CATEGORY = 'milestones_enrollment_id_category_key';

@Injectable()
export class MilestonesService {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly enrollments: EnrollmentsRepository,
    private readonly milestones: MilestonesRepository,
    private readonly agencies: AgenciesService,
    private readonly lifecycle: EnrollmentLifecycle,
    private readonly outbox: Outbox,
  ) {}

  /**
   * Adds a milestone to the plan, under the enrollment's lock (so it cannot race a
   * submission for review). The provider must offer the service.
   */
  async create(
    caller: Caller,
    enrollmentId: string,
    input: CreateMilestoneDto,
    ifMatch?: string,
  ): Promise<Versioned<MilestoneDto>> {
    return this.uow.run(async () => {
      const enrollment = await this.enrollments.lockVisible(caller, enrollmentId);
      assertIfMatch(ifMatch, enrollment.version);
      if (!PLAN_OPEN.includes(enrollment.status)) {
        throw new DomainError(
          'MILESTONE_PLAN_CLOSED',
          `the service plan of an enrollment that is ${enrollment.status.replace(/_/g, ' ')} cannot change`,
        );
      }
      const provider = await this.agencies.findById(input.providerAgencyId);
      if (!provider) {
        throw new DomainError(
          'MILESTONE_PROVIDER_NOT_FOUND',
          'providerAgencyId does not name an agency',
        );
      }
      if (!provider.services.includes(input.category)) {
        throw new DomainError(
          'MILESTONE_PROVIDER_LACKS_SERVICE',
          `The provider agency does not offer ${input.category.replace(/_/g, ' ')}`,
        );
      }

      let milestone: MilestoneEntity;
      try {
        milestone = await this.milestones.insert({
          enrollmentId,
          category: input.category,
          providerAgencyId: provider.id,
          requiredSessions: input.requiredSessions,
          createdBy: caller.id,
        });
      } catch (error) {
        if (isUniqueViolation(error, ONE_PER_CATEGORY)) {
          throw new DomainError(
            'MILESTONE_CATEGORY_EXISTS',
            `The plan already has a ${input.category.replace(/_/g, ' ')} milestone`,
          );
        }
        throw error;
      }
      await this.lifecycle.touch(enrollment);
      await this.outbox.emit({
        type: 'milestone.created',
        enrollmentId,
        data: {
          milestoneId: milestone.id,
          enrollmentId,
          category: milestone.category,
          providerAgencyId: milestone.providerAgencyId,
          requiredSessions: milestone.requiredSessions,
        },
      });
      // The creator owns the enrollment (or is an admin): it sees the details.
      return {
        body: presentMilestone(milestone, true, caller.agencyId),
        version: milestone.version,
      };
    });
  }

  /** One milestone with its progress, scoped through its enrollment; details as the caller may see them. */
  async get(caller: Caller, id: string): Promise<Versioned<MilestoneDto>> {
    const [row] = await this.milestones.visible(caller, { milestoneId: id });
    if (!row) throw new NotFoundError('Milestone');
    const body = presentMilestone(row.milestone, row.detailsVisible, caller.agencyId);
    return {
      body,
      version: row.milestone.version,
      // Met / not met only: the version would count the sessions (M3).
      ...(row.detailsVisible ? {} : { etag: `"${body.status}"` }),
    };
  }
}
