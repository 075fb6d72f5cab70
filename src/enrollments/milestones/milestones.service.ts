import { Outbox } from '../../events/outbox.service';
import { Injectable } from '@nestjs/common';
import { DomainError, NotFoundError } from '../../common/errors/domain-error';
import { assertIfMatch, assertIfMatchRequired, Versioned } from '../../common/http/etag';
import type { EnrollmentStatus } from '../domain/enrollment-status';
import { EnrollmentLifecycle } from '../enrollment-lifecycle.service';
import { EnrollmentsRepository } from '../enrollments.repository';
import type { Caller } from '../../identity/access/caller';
import { AgenciesService } from '../../identity/agencies/agencies.service';
import {
  isForeignKeyViolation,
  isUniqueViolation,
} from '../../infrastructure/database/postgres-errors';
import { UnitOfWork } from '../../infrastructure/database/unit-of-work';
import {
  CorrectMilestoneDto,
  CreateMilestoneDto,
  MilestoneDto,
  presentMilestone,
  RemoveMilestoneQueryDto,
} from './dto/milestone.dto';
import type { NewEvent } from '../../events/event-types';
import type { ServiceCategory } from '../../identity/agencies/agency-kind';
import { milestoneStatus } from '../domain/milestone-progress';
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
    return {
      body: presentMilestone(row.milestone, row.detailsVisible, caller.agencyId),
      version: row.milestone.version,
    };
  }

  /**
   * `PATCH /milestones/:id`: the coordinator corrects the plan (provider, required sessions),
   * with a reason kept in the plan's history, while the plan is open. Progress follows the new
   * requirement at once (met, or no longer met); the enrollment's version moves; events say
   * what changed (and `milestone.met` when the correction meets it).
   */
  async correct(
    caller: Caller,
    id: string,
    input: CorrectMilestoneDto,
    ifMatch: string | undefined,
  ): Promise<Versioned<MilestoneDto>> {
    if (input.providerAgencyId === undefined && input.requiredSessions === undefined) {
      throw new DomainError('VALIDATION_FAILED', 'Nothing to correct', [
        { field: 'providerAgencyId', message: 'give providerAgencyId or requiredSessions' },
      ]);
    }
    if (!ifMatch?.trim()) {
      throw new DomainError('PRECONDITION_REQUIRED', 'Send If-Match with the ETag you last read');
    }
    return this.uow.run(async () => {
      const { enrollment, milestone } = await this.lockForChange(caller, id);
      assertIfMatchRequired(ifMatch, milestone.version);
      const providerAgencyId = input.providerAgencyId ?? milestone.providerAgencyId;
      const requiredSessions = input.requiredSessions ?? milestone.requiredSessions;
      if (providerAgencyId !== milestone.providerAgencyId) {
        await this.assertProviderOffers(providerAgencyId, milestone.category);
      }
      if (
        providerAgencyId === milestone.providerAgencyId &&
        requiredSessions === milestone.requiredSessions
      ) {
        return {
          body: presentMilestone(milestone, true, caller.agencyId),
          version: milestone.version,
        };
      }
      const wasMet = milestone.metAt !== null;
      const corrected = await this.milestones.correct(id, { providerAgencyId, requiredSessions });
      await this.milestones.insertChange({
        enrollmentId: enrollment.id,
        milestoneId: id,
        kind: 'corrected',
        category: milestone.category,
        before: {
          providerAgencyId: milestone.providerAgencyId,
          requiredSessions: milestone.requiredSessions,
        },
        after: { providerAgencyId, requiredSessions },
        reason: input.reason,
        changedBy: caller.id,
      });
      await this.lifecycle.touch(enrollment);
      const events: NewEvent[] = [
        {
          type: 'milestone.corrected',
          enrollmentId: enrollment.id,
          data: {
            milestoneId: id,
            enrollmentId: enrollment.id,
            category: corrected.category,
            providerAgencyId,
            requiredSessions,
            previousProviderAgencyId: milestone.providerAgencyId,
            previousRequiredSessions: milestone.requiredSessions,
            status: milestoneStatus(corrected.attendedSessions, corrected.requiredSessions),
          },
        },
      ];
      if (!wasMet && corrected.metAt !== null) {
        events.push({
          type: 'milestone.met',
          enrollmentId: enrollment.id,
          data: { milestoneId: id, enrollmentId: enrollment.id, category: corrected.category },
        });
      }
      await this.outbox.emit(...events);
      return {
        body: presentMilestone(corrected, true, caller.agencyId),
        version: corrected.version,
      };
    });
  }

  /**
   * `DELETE /milestones/:id`: removes a milestone that has no attendance (409 otherwise: the
   * sessions of a service delivered are never erased), while the plan is open. The removal,
   * with the milestone's last provider and requirement and the reason, stays in the plan's
   * history; `milestone.removed` says so.
   */
  async remove(
    caller: Caller,
    id: string,
    input: RemoveMilestoneQueryDto,
    ifMatch?: string,
  ): Promise<void> {
    return this.uow.run(async () => {
      const { enrollment, milestone } = await this.lockForChange(caller, id);
      assertIfMatch(ifMatch, milestone.version);
      await this.milestones.insertChange({
        enrollmentId: enrollment.id,
        milestoneId: id,
        kind: 'removed',
        category: milestone.category,
        before: {
          providerAgencyId: milestone.providerAgencyId,
          requiredSessions: milestone.requiredSessions,
        },
        reason: input.reason,
        changedBy: caller.id,
      });
      await this.lifecycle.touch(enrollment);
      await this.outbox.emit({
        type: 'milestone.removed',
        enrollmentId: enrollment.id,
        data: { milestoneId: id, enrollmentId: enrollment.id, category: milestone.category },
      });
      // Last: a milestone with attendance fails the foreign key, which aborts the transaction.
      try {
        await this.milestones.delete(id);
      } catch (error) {
        if (isForeignKeyViolation(error)) {
          throw new DomainError(
            'MILESTONE_HAS_ATTENDANCE',
            'This milestone has attendance records; correct it (PATCH) or void the records instead',
          );
        }
        throw error;
      }
    });
  }

  /** The milestone's enrollment (scoped, locked, plan open), then the milestone, locked. */
  private async lockForChange(caller: Caller, id: string) {
    const [row] = await this.milestones.visible(caller, { milestoneId: id });
    if (!row) throw new NotFoundError('Milestone');
    const enrollment = await this.enrollments.lockVisible(caller, row.milestone.enrollmentId);
    if (!PLAN_OPEN.includes(enrollment.status)) {
      throw new DomainError(
        'MILESTONE_PLAN_CLOSED',
        `the service plan of an enrollment that is ${enrollment.status.replace(/_/g, ' ')} cannot change`,
      );
    }
    const milestone = await this.milestones.lockById(id);
    if (!milestone) throw new NotFoundError('Milestone');
    return { enrollment, milestone };
  }

  private async assertProviderOffers(providerAgencyId: string, category: ServiceCategory) {
    const provider = await this.agencies.findById(providerAgencyId);
    if (!provider) {
      throw new DomainError(
        'MILESTONE_PROVIDER_NOT_FOUND',
        'providerAgencyId does not name an agency',
      );
    }
    if (!provider.services.includes(category)) {
      throw new DomainError(
        'MILESTONE_PROVIDER_LACKS_SERVICE',
        `The provider agency does not offer ${category.replace(/_/g, ' ')}`,
      );
    }
  }
}
