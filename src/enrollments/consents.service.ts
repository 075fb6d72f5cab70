import { Injectable } from '@nestjs/common';
import { DomainError, NotFoundError } from '../common/errors/domain-error';
import { assertIfMatch } from '../common/http/etag';
import type { Caller } from '../identity/access/caller';
import { AgenciesService } from '../identity/agencies/agencies.service';
import { Outbox } from '../events/outbox.service';
import { UnitOfWork } from '../infrastructure/database/unit-of-work';
import { ConsentsRepository } from './consents.repository';
import { OPEN_STATUSES } from './domain/enrollment-status';
import { ConsentDto, RecordConsentDto, RevokeConsentDto } from './dto/consent.dto';
import { EnrollmentEntity } from './enrollment.entity';
import { EnrollmentLifecycle } from './enrollment-lifecycle.service';
import { EnrollmentsRepository } from './enrollments.repository';

/** A participant's agreement is voluntary: the enrollment is active only while it stands. */
@Injectable()
export class ConsentsService {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly enrollments: EnrollmentsRepository,
    private readonly consents: ConsentsRepository,
    private readonly agencies: AgenciesService,
    private readonly lifecycle: EnrollmentLifecycle,
    private readonly outbox: Outbox,
  ) {}

  /**
   * Records a consent. The participation consent (with a guardian's where the program
   * requires one) activates an enrollment waiting for consent, in the same transaction.
   */
  async record(
    caller: Caller,
    enrollmentId: string,
    input: RecordConsentDto,
    ifMatch?: string,
  ): Promise<ConsentDto> {
    const signedAt = new Date(input.signedAt);
    const expiresAt = input.expiresAt ? new Date(input.expiresAt) : null;
    if (signedAt.getTime() > Date.now() + 5 * 60 * 1000) {
      throw new DomainError('VALIDATION_FAILED', 'One or more fields are invalid', [
        { field: 'signedAt', message: 'signedAt cannot be in the future' },
      ]);
    }
    if (expiresAt && expiresAt <= signedAt) {
      throw new DomainError('VALIDATION_FAILED', 'One or more fields are invalid', [
        { field: 'expiresAt', message: 'expiresAt must be after signedAt' },
      ]);
    }

    return this.uow.run(async () => {
      const enrollment = await this.enrollments.lockVisible(caller, enrollmentId);
      assertIfMatch(ifMatch, enrollment.version);
      if (!OPEN_STATUSES.includes(enrollment.status)) {
        throw new DomainError(
          'ENROLLMENT_NOT_ACTIVE',
          `consents cannot be recorded on an enrollment that is ${enrollment.status}`,
        );
      }
      if (input.recipientAgencyId) {
        const recipient = await this.agencies.findById(input.recipientAgencyId);
        if (!recipient) {
          throw new DomainError(
            'CONSENT_RECIPIENT_NOT_FOUND',
            'recipientAgencyId does not name an agency',
          );
        }
      }

      const consent = await this.consents.insert({
        enrollmentId,
        kind: input.kind,
        signedBy: input.signedBy,
        signedAt,
        serviceCategory: input.serviceCategory ?? null,
        recipientAgencyId: input.recipientAgencyId ?? null,
        expiresAt,
        recordedBy: caller.id,
      });
      await this.outbox.emit({
        type: 'consent.recorded',
        enrollmentId,
        data: { consentId: consent.id, enrollmentId, kind: consent.kind },
      });

      if (enrollment.status === 'pending_consent' && (await this.consentComplete(enrollment))) {
        await this.lifecycle.transition(enrollment, 'activate', {
          activatedAt: new Date(),
        });
      } else {
        await this.lifecycle.touch(enrollment);
      }
      return ConsentDto.from(consent);
    });
  }

  /** Revokes a consent; revoking the participation consent withdraws an open enrollment. */
  /** `If-Match` names the enrollment's ETag: its view is where a consent is shown. */
  async revoke(
    caller: Caller,
    consentId: string,
    input: RevokeConsentDto,
    ifMatch?: string,
  ): Promise<ConsentDto> {
    return this.uow.run(async () => {
      const enrollmentId = await this.consents.enrollmentOfVisible(caller, consentId);
      if (!enrollmentId) throw new NotFoundError('Consent');
      // The enrollment first, then the consent: the same lock order as recording.
      const enrollment = await this.enrollments.lockVisible(caller, enrollmentId);
      assertIfMatch(ifMatch, enrollment.version);
      const consent = await this.consents.lock(consentId);
      if (consent.revokedAt) {
        throw new DomainError('CONSENT_ALREADY_REVOKED', 'This consent was revoked already');
      }
      consent.revokedAt = new Date();
      consent.revokeReason = input.reason;
      consent.revokedBy = caller.id;
      const saved = await this.consents.save(consent);
      await this.outbox.emit({
        type: 'consent.revoked',
        enrollmentId,
        data: { consentId: saved.id, enrollmentId, kind: saved.kind },
      });

      if (consent.kind === 'participation' && OPEN_STATUSES.includes(enrollment.status)) {
        await this.lifecycle.transition(enrollment, 'withdraw', {
          endedAt: new Date(),
          endReason: 'participation consent revoked',
        });
      } else {
        await this.lifecycle.touch(enrollment);
      }
      return ConsentDto.from(saved);
    });
  }

  /**
   * A standing participation consent, and a guardian's when the program required one when
   * the enrollment was opened (a later change of the setting applies to new enrollments).
   */
  private async consentComplete(enrollment: EnrollmentEntity): Promise<boolean> {
    const kinds = await this.consents.standingKinds(enrollment.id);
    return (
      kinds.has('participation') && (!enrollment.guardianConsentRequired || kinds.has('guardian'))
    );
  }
}
