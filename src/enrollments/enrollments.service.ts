import { Injectable } from '@nestjs/common';
import { arrestRecordVisibleTo, participantVisibleTo } from '../access-scope/visibility';
import { DomainError, NotFoundError } from '../common/errors/domain-error';
import { assertIfMatch, Versioned } from '../common/http/etag';
import { Page } from '../common/pagination/pagination';
import { Outbox } from '../events/outbox.service';
import type { Caller } from '../identity/access/caller';
import { isUniqueViolation } from '../infrastructure/database/postgres-errors';
import { UnitOfWork } from '../infrastructure/database/unit-of-work';
import { planIsComplete } from '../milestones/domain/milestone-progress';
import { MilestoneEntity } from '../milestones/milestone.entity';
import { ProgramsService } from '../programs/programs.service';
import { scheduledEndDate } from './domain/program-period';
import {
  CreateEnrollmentDto,
  EndEnrollmentDto,
  EnrollmentDto,
  ExtendEnrollmentDto,
  ListEnrollmentsQueryDto,
} from './dto/enrollment.dto';
import { EnrollmentEntity, EnrollmentExtensionEntity } from './enrollment.entity';
import { assertOpen, checkTransition, EnrollmentLifecycle } from './enrollment-lifecycle.service';
import { EnrollmentsRepository } from './enrollments.repository';

const ONE_OPEN_PER_ARREST_RECORD = 'enrollments_one_open_per_arrest_record';

@Injectable()
export class EnrollmentsService {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly enrollments: EnrollmentsRepository,
    private readonly lifecycle: EnrollmentLifecycle,
    private readonly programs: ProgramsService,
    private readonly outbox: Outbox,
  ) {}

  async create(caller: Caller, input: CreateEnrollmentDto): Promise<Versioned<EnrollmentDto>> {
    return this.uow.run(async (manager) => {
      const program = await this.programs.defaultProgram();
      if (program.sites.length > 0 && !program.sites.includes(input.site)) {
        throw new DomainError(
          'PROGRAM_SITE_UNKNOWN',
          `site must be one of: ${program.sites.join(', ')}`,
        );
      }

      const participant = participantVisibleTo(caller, 'p');
      const [participantRow] = await manager
        .createQueryBuilder()
        .select('p.id', 'id')
        .from('participants', 'p')
        .where('p.id = :participantId', { participantId: input.participantId })
        .andWhere(participant.sql, participant.params)
        .getRawMany<{ id: string }>();
      if (!participantRow) throw new NotFoundError('Participant');

      // The ordinary arrest-record path: a sealed record is not found, exactly like an unknown one.
      const arrest = arrestRecordVisibleTo(caller, 'ar');
      const [arrestRow] = await manager
        .createQueryBuilder()
        .select('ar.id', 'id')
        .addSelect('ar.participant_id', 'participant_id')
        .from('arrest_records', 'ar')
        .where('ar.id = :arrestRecordId', { arrestRecordId: input.arrestRecordId })
        .andWhere(arrest.sql, arrest.params)
        .getRawMany<{ id: string; participant_id: string }>();
      if (!arrestRow) throw new NotFoundError('Arrest record');
      if (arrestRow.participant_id !== input.participantId) {
        throw new DomainError(
          'ENROLLMENT_ARREST_RECORD_MISMATCH',
          'arrestRecordId names a record of another participant',
        );
      }

      const repository = manager.getRepository(EnrollmentEntity);
      let enrollment: EnrollmentEntity;
      try {
        enrollment = await repository.save(
          repository.create({
            programId: program.id,
            participantId: input.participantId,
            arrestRecordId: input.arrestRecordId,
            ownerAgencyId: caller.agencyId,
            site: input.site,
            status: 'pending_consent',
            startDate: input.startDate,
            scheduledEndDate: scheduledEndDate(input.startDate, program.lengthDays),
            createdBy: caller.id,
          }),
        );
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
      return this.view(caller, await this.enrollments.findVisible(caller, enrollment.id));
    });
  }

  /** One enrollment as the caller may see it. */
  async get(caller: Caller, id: string): Promise<Versioned<EnrollmentDto>> {
    return this.view(caller, await this.enrollments.findVisible(caller, id));
  }

  async list(caller: Caller, query: ListEnrollmentsQueryDto): Promise<Page<EnrollmentDto>> {
    const page = await this.enrollments.listVisible(caller, query);
    return {
      items: await this.enrollments.present(caller, page.items),
      nextCursor: page.nextCursor,
    };
  }

  /**
   * Pushes the scheduled end: the end is recomputed from the start, the program length and
   * every extension granted so far, under the enrollment's lock, never as "end + days" of a
   * possibly stale read.
   */
  async extend(
    caller: Caller,
    id: string,
    input: ExtendEnrollmentDto,
    ifMatch?: string,
  ): Promise<Versioned<EnrollmentDto>> {
    return this.uow.run(async (manager) => {
      const enrollment = await this.enrollments.lockVisible(caller, id);
      assertIfMatch(ifMatch, enrollment.version);
      assertOpen('extend', enrollment.status);

      const extensions = manager.getRepository(EnrollmentExtensionEntity);
      await extensions.save(
        extensions.create({
          enrollmentId: id,
          days: input.days,
          reason: input.reason,
          grantedBy: caller.id,
        }),
      );
      const granted = await extensions.find({
        where: { enrollmentId: id },
        select: { days: true },
      });
      const program = await this.programs.byId(enrollment.programId);
      enrollment.scheduledEndDate = scheduledEndDate(
        enrollment.startDate,
        program.lengthDays,
        granted.map((x) => x.days),
      );
      const saved = await manager.getRepository(EnrollmentEntity).save(enrollment);
      // Partners validating session dates need the new end (no reason: it may be medical).
      await this.outbox.emit({
        type: 'enrollment.extended',
        enrollmentId: id,
        data: { enrollmentId: id, days: input.days, scheduledEndDate: saved.scheduledEndDate },
      });
      return this.view(caller, saved);
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
      return this.view(caller, saved);
    });
  }

  /**
   * Active, and every milestone of a non-empty plan met. The milestones are read FOR SHARE
   * under the enrollment's lock, so a concurrent attendance correction cannot slip in between
   * the check and the commit.
   */
  async submitForReview(
    caller: Caller,
    id: string,
    ifMatch?: string,
  ): Promise<Versioned<EnrollmentDto>> {
    return this.uow.run(async (manager) => {
      const enrollment = await this.enrollments.lockVisible(caller, id);
      assertIfMatch(ifMatch, enrollment.version);
      checkTransition('submit_for_review', enrollment.status);
      const milestones = await manager
        .getRepository(MilestoneEntity)
        .createQueryBuilder('m')
        .where('m.enrollment_id = :id', { id })
        .setLock('pessimistic_read')
        .getMany();
      if (!planIsComplete(milestones)) {
        throw new DomainError(
          'ENROLLMENT_PLAN_INCOMPLETE',
          milestones.length === 0
            ? 'The service plan has no milestones yet'
            : 'Every milestone of the plan must be met before court review',
        );
      }
      const saved = await this.lifecycle.transition(enrollment, 'submit_for_review', {
        submittedForReviewAt: new Date(),
      });
      return this.view(caller, saved);
    });
  }

  private async view(
    caller: Caller,
    enrollment: EnrollmentEntity,
  ): Promise<Versioned<EnrollmentDto>> {
    const [body] = await this.enrollments.present(caller, [enrollment]);
    return { body, version: enrollment.version };
  }
}
