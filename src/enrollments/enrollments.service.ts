import { Injectable } from '@nestjs/common';
import { ArrestRecordsRepository } from '../arrest-records/arrest-records.repository';
import { DomainError, NotFoundError } from '../common/errors/domain-error';
import { assertIfMatch, Versioned } from '../common/http/etag';
import { Page } from '../common/pagination/pagination';
import { Outbox } from '../events/outbox.service';
import { isUser, type Caller } from '../identity/access/caller';
import { AgenciesService } from '../identity/agencies/agencies.service';
import { UsersService } from '../identity/users/users.service';
import { isUniqueViolation } from '../infrastructure/database/postgres-errors';
import { UnitOfWork } from '../infrastructure/database/unit-of-work';
import { ParticipantsRepository } from '../participants/participants.repository';
import { ProgramsService } from '../programs/programs.service';
import { planIsComplete } from './domain/milestone-progress';
import { scheduledEndDate } from './domain/program-period';
import {
  CreateEnrollmentDto,
  EndEnrollmentDto,
  EnrollmentDto,
  ExtendEnrollmentDto,
  AssignEnrollmentDto,
  ListEnrollmentsQueryDto,
  SubmitForReviewDto,
} from './dto/enrollment.dto';
import { EnrollmentEntity } from './enrollment.entity';
import { assertOpen, checkTransition, EnrollmentLifecycle } from './enrollment-lifecycle.service';
import { EnrollmentViews } from './enrollment-views';
import { EnrollmentsRepository } from './enrollments.repository';
import { MilestonesRepository } from './milestones/milestones.repository';

const ONE_OPEN_PER_ARREST_RECORD = 'enrollments_one_open_per_arrest_record';

/** Opening, reading, extending and ending enrollments, and submitting them for court review. */
@Injectable()
export class EnrollmentsService {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly enrollments: EnrollmentsRepository,
    private readonly milestones: MilestonesRepository,
    private readonly participants: ParticipantsRepository,
    private readonly arrestRecords: ArrestRecordsRepository,
    private readonly views: EnrollmentViews,
    private readonly lifecycle: EnrollmentLifecycle,
    private readonly programs: ProgramsService,
    private readonly outbox: Outbox,
    private readonly agencies: AgenciesService,
    private readonly users: UsersService,
  ) {}

  async create(caller: Caller, input: CreateEnrollmentDto): Promise<Versioned<EnrollmentDto>> {
    return this.uow.run(async () => {
      const program = await this.programs.defaultProgram();
      if (program.sites.length > 0 && !program.sites.includes(input.site)) {
        throw new DomainError(
          'PROGRAM_SITE_UNKNOWN',
          `site must be one of: ${program.sites.join(', ')}`,
        );
      }
      const participant = await this.participants.findVisible(caller, input.participantId);
      if (!participant) throw new NotFoundError('Participant');
      // The ordinary arrest-record path: a sealed record is not found, exactly like an unknown one.
      const arrest = await this.arrestRecords.findVisible(caller, input.arrestRecordId);
      if (!arrest) throw new NotFoundError('Arrest record');
      if (arrest.participantId !== participant.id) {
        throw new DomainError(
          'ENROLLMENT_ARREST_RECORD_MISMATCH',
          'arrestRecordId names a record of another participant',
        );
      }

      let enrollment: EnrollmentEntity;
      try {
        enrollment = await this.enrollments.insert({
          programId: program.id,
          participantId: participant.id,
          participantOwnerAgencyId: participant.ownerAgencyId,
          arrestRecordId: arrest.id,
          ownerAgencyId: caller.agencyId,
          site: input.site,
          status: 'pending_consent',
          startDate: input.startDate,
          scheduledEndDate: scheduledEndDate(input.startDate, program.lengthDays),
          // The terms it is opened under: later changes of the settings apply to new ones only.
          lengthDays: program.lengthDays,
          guardianConsentRequired: program.guardianConsentRequired,
          createdBy: caller.id,
          // The creator's case until it is reassigned within the agency.
          assignedCoordinatorId: caller.id,
        });
      } catch (error) {
        if (isUniqueViolation(error, ONE_OPEN_PER_ARREST_RECORD)) {
          throw new DomainError(
            'ENROLLMENT_ALREADY_OPEN',
            'This arrest record already has an open enrollment; end it before opening another',
          );
        }
        throw error;
      }

      await this.outbox.emit({
        type: 'enrollment.created',
        enrollmentId: enrollment.id,
        data: {
          enrollmentId: enrollment.id,
          participantId: enrollment.participantId,
          status: enrollment.status,
          startDate: enrollment.startDate,
          scheduledEndDate: enrollment.scheduledEndDate,
        },
      });
      return this.views.one(caller, enrollment.id);
    });
  }

  /** One enrollment as the caller may see it. */
  async get(caller: Caller, id: string): Promise<Versioned<EnrollmentDto>> {
    return this.views.one(caller, id);
  }

  async list(caller: Caller, query: ListEnrollmentsQueryDto): Promise<Page<EnrollmentDto>> {
    if (query.view && !isUser(caller, 'coordinator', 'admin')) {
      throw new DomainError('FORBIDDEN', 'Work lists are for coordinators (and admins)');
    }
    if (query.withinDays !== undefined && query.view !== 'ending_soon') {
      throw new DomainError('VALIDATION_FAILED', 'withinDays goes with view=ending_soon only', [
        { field: 'withinDays', message: 'withinDays goes with view=ending_soon only' },
      ]);
    }
    return this.views.page(caller, query);
  }

  /**
   * Pushes the scheduled end: the end is recomputed from the start, the length the enrollment
   * was opened under (not today's program setting) and
   * every extension granted so far, under the enrollment's lock, never as "end + days" of a
   * possibly stale read.
   */
  async extend(
    caller: Caller,
    id: string,
    input: ExtendEnrollmentDto,
    ifMatch?: string,
  ): Promise<Versioned<EnrollmentDto>> {
    return this.uow.run(async () => {
      const enrollment = await this.enrollments.lockVisible(caller, id);
      assertIfMatch(ifMatch, enrollment.version);
      assertOpen('extend', enrollment.status);
      await this.enrollments.addExtension({
        enrollmentId: id,
        days: input.days,
        reason: input.reason,
        grantedBy: caller.id,
      });
      enrollment.scheduledEndDate = scheduledEndDate(
        enrollment.startDate,
        enrollment.lengthDays,
        await this.enrollments.extensionDays(id),
      );
      const saved = await this.enrollments.save(enrollment);
      // Partners validating session dates need the new end (no reason: it may be medical).
      await this.outbox.emit({
        type: 'enrollment.extended',
        enrollmentId: id,
        data: { enrollmentId: id, days: input.days, scheduledEndDate: saved.scheduledEndDate },
      });
      return this.views.one(caller, saved.id);
    });
  }

  /**
   * `POST /enrollments/:id/assign`: the case goes to another coordinator of the owning agency
   * (an enabled user with the coordinator role in that agency; 422 otherwise). The version
   * moves; `enrollment.assigned` says so.
   */
  async assign(
    caller: Caller,
    id: string,
    input: AssignEnrollmentDto,
    ifMatch?: string,
  ): Promise<Versioned<EnrollmentDto>> {
    return this.uow.run(async () => {
      const enrollment = await this.enrollments.lockVisible(caller, id);
      assertIfMatch(ifMatch, enrollment.version);
      const assignee = await this.users.findById(input.coordinatorId);
      if (
        !assignee ||
        assignee.role !== 'coordinator' ||
        assignee.disabled ||
        assignee.agencyId !== enrollment.ownerAgencyId
      ) {
        throw new DomainError(
          'ENROLLMENT_ASSIGNEE_INVALID',
          'coordinatorId must name an enabled coordinator of the agency that owns the enrollment',
          [{ field: 'coordinatorId', message: 'not a coordinator of the owning agency' }],
        );
      }
      if (assignee.id === enrollment.assignedCoordinatorId) return this.views.one(caller, id);
      const previous = enrollment.assignedCoordinatorId;
      enrollment.assignedCoordinatorId = assignee.id;
      const saved = await this.enrollments.save(enrollment);
      await this.outbox.emit({
        type: 'enrollment.assigned',
        enrollmentId: id,
        data: {
          enrollmentId: id,
          assignedCoordinatorId: assignee.id,
          previousCoordinatorId: previous,
        },
      });
      return this.views.one(caller, saved.id);
    });
  }

  async withdraw(caller: Caller, id: string, input: EndEnrollmentDto, ifMatch?: string) {
    return this.end(caller, id, 'withdraw', input.reason, ifMatch);
  }

  async terminate(caller: Caller, id: string, input: EndEnrollmentDto, ifMatch?: string) {
    return this.end(caller, id, 'terminate', input.reason, ifMatch);
  }

  private async end(
    caller: Caller,
    id: string,
    action: 'withdraw' | 'terminate',
    reason: string,
    ifMatch?: string,
  ): Promise<Versioned<EnrollmentDto>> {
    return this.uow.run(async () => {
      const enrollment = await this.enrollments.lockVisible(caller, id);
      assertIfMatch(ifMatch, enrollment.version);
      const saved = await this.lifecycle.transition(enrollment, action, {
        endedAt: new Date(),
        endReason: reason,
      });
      return this.views.one(caller, saved.id);
    });
  }

  /**
   * Active, and every milestone of a non-empty plan met, or a shortfall the coordinator
   * explains (the court may then find substantial compliance). The milestones are read FOR
   * SHARE under the enrollment's lock, so a concurrent attendance correction cannot slip in
   * between the check and the commit. The review goes before one court: the one named, or the
   * only court agency there is.
   */
  async submitForReview(
    caller: Caller,
    id: string,
    input: SubmitForReviewDto,
    ifMatch?: string,
  ): Promise<Versioned<EnrollmentDto>> {
    return this.uow.run(async () => {
      const enrollment = await this.enrollments.lockVisible(caller, id);
      assertIfMatch(ifMatch, enrollment.version);
      checkTransition('submit_for_review', enrollment.status);
      const plan = await this.milestones.progressOfEnrollment(id, { lockShared: true });
      const met = planIsComplete(plan);
      if (plan.length === 0 || (!met && !input.shortfallReason)) {
        throw new DomainError(
          'ENROLLMENT_PLAN_INCOMPLETE',
          plan.length === 0
            ? 'The service plan has no milestones yet'
            : 'Every milestone of the plan must be met before court review, or give a ' +
                'shortfallReason to ask the court for a finding of substantial compliance',
        );
      }
      const saved = await this.lifecycle.transition(enrollment, 'submit_for_review', {
        submittedForReviewAt: new Date(),
        reviewCourtAgencyId: await this.reviewCourt(input.courtAgencyId),
        shortfallReason: met ? null : input.shortfallReason!,
      });
      return this.views.one(caller, saved.id);
    });
  }

  /** The court named (it must be a court agency), or the only one when none is named. */
  private async reviewCourt(named: string | undefined): Promise<string> {
    if (named) {
      const agency = await this.agencies.findById(named);
      if (!agency || agency.kind !== 'court') {
        throw new DomainError('REVIEW_COURT_NOT_FOUND', 'courtAgencyId must name a court agency', [
          { field: 'courtAgencyId', message: 'courtAgencyId must name a court agency' },
        ]);
      }
      return agency.id;
    }
    const sole = await this.agencies.soleCourtId();
    if (!sole) {
      throw new DomainError(
        'REVIEW_COURT_REQUIRED',
        'Name the court this enrollment goes before (courtAgencyId)',
        [{ field: 'courtAgencyId', message: 'courtAgencyId is required' }],
      );
    }
    return sole;
  }
}
