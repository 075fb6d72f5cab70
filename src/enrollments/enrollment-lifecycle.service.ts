import { Injectable } from '@nestjs/common';
import { DomainError } from '../common/errors/domain-error';
import { Outbox, type NewEvent } from '../events/outbox.service';
import { AuditContext } from '../infrastructure/audit-context/audit-context';
import { UnitOfWork } from '../infrastructure/database/unit-of-work';
import {
  InvalidTransitionError,
  nextStatus,
  OPEN_STATUSES,
  type EnrollmentAction,
  type EnrollmentStatus,
} from './domain/enrollment-status';
import { EnrollmentEntity } from './enrollment.entity';
import { EnrollmentsRepository } from './enrollments.repository';

/** The 409 of an illegal transition, naming the action and the status it was tried from. */
export function invalidTransition(
  action: string,
  from: EnrollmentStatus,
  message?: string,
): DomainError {
  return new DomainError(
    'ENROLLMENT_INVALID_TRANSITION',
    message ??
      `cannot ${action.replace(/_/g, ' ')} an enrollment that is ${from.replace(/_/g, ' ')}`,
    undefined,
    { action, from },
  );
}

/** The status `action` leads to from `from`, per the transition table, or the 409 naming the rule. */
export function checkTransition(
  action: EnrollmentAction,
  from: EnrollmentStatus,
): EnrollmentStatus {
  try {
    return nextStatus(action, from);
  } catch (error) {
    if (error instanceof InvalidTransitionError)
      throw invalidTransition(action, from, error.message);
    throw error;
  }
}

/** Changes that keep the status (extensions) are allowed only while the enrollment is open. */
export function assertOpen(operation: string, from: EnrollmentStatus): void {
  if (!OPEN_STATUSES.includes(from)) throw invalidTransition(operation, from);
}

/**
 * Applies status changes to an enrollment the caller has locked (EnrollmentsRepository.
 * lockVisible): the transition table decides, the row's version is bumped (its ETag), and
 * the `enrollment.status_changed` event and the audit note are written in the same
 * transaction.
 */
@Injectable()
export class EnrollmentLifecycle {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly enrollments: EnrollmentsRepository,
    private readonly outbox: Outbox,
    private readonly auditContext: AuditContext,
  ) {}

  async transition(
    enrollment: EnrollmentEntity,
    action: EnrollmentAction,
    changes: Partial<
      Pick<
        EnrollmentEntity,
        | 'activatedAt'
        | 'submittedForReviewAt'
        | 'reviewCourtAgencyId'
        | 'shortfallReason'
        | 'completedAt'
        | 'endedAt'
        | 'endReason'
      >
    > = {},
  ): Promise<EnrollmentEntity> {
    if (!this.uow.inTransaction)
      throw new Error('EnrollmentLifecycle.transition must run inside UnitOfWork.run');
    const from = enrollment.status;
    const to = checkTransition(action, from);
    Object.assign(enrollment, changes, { status: to });
    const saved = await this.enrollments.save(enrollment);

    const events: NewEvent[] = [];
    if (action === 'activate') {
      events.push({
        type: 'enrollment.activated',
        enrollmentId: saved.id,
        data: {
          enrollmentId: saved.id,
          participantId: saved.participantId,
          status: to,
          activatedAt: saved.activatedAt ? saved.activatedAt.toISOString() : null,
        },
      });
    }
    events.push({
      type: 'enrollment.status_changed',
      enrollmentId: saved.id,
      data: { enrollmentId: saved.id, from, to, action },
    });
    await this.outbox.emit(...events);
    // A status change is an entry of its own whichever route caused it (a consent revoked
    // withdraws the enrollment); on the route that is the change itself, it is the same entry.
    this.auditContext.add({
      action: `enrollment.${action}`,
      subjectType: 'enrollment',
      subjectId: saved.id,
    });
    return saved;
  }

  /**
   * A change to what the enrollment shows without a status change (a consent, a milestone):
   * bumps the version so ETags taken before it no longer match.
   */
  async touch(enrollment: EnrollmentEntity): Promise<void> {
    await this.enrollments.touch(enrollment);
  }
}
