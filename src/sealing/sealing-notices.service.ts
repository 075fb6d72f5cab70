import { assertIfMatch, contentEtag } from '../common/http/etag';
import { Injectable } from '@nestjs/common';
import { ArrestRecordsRepository } from '../arrest-records/arrest-records.repository';
import { DomainError, NotFoundError } from '../common/errors/domain-error';
import type { Page } from '../common/pagination/pagination';
import { EnrollmentSealingRow, EnrollmentsRepository } from '../enrollments/enrollments.repository';
import { Outbox } from '../events/outbox.service';
import type { Caller } from '../identity/access/caller';
import { UnitOfWork } from '../infrastructure/database/unit-of-work';
import {
  MinorNotificationMethod,
  RecordMinorNotificationDto,
  SealingStatusDto,
} from './dto/minor-notification.dto';
import {
  AcknowledgeSealingNoticeDto,
  ListSealingNoticesQueryDto,
  SealingNoticeDto,
  type SealingNoticeRow,
} from './dto/sealing-notice.dto';
import { SealingNoticesRepository } from './sealing-notices.repository';
import { isMinorNotificationOverdue, minorNotificationDueAt } from './statutory-clocks';

/** Clocks differ a little between systems: a notice "in the future" by less than this is accepted. */
const CLOCK_SKEW_MS = 5 * 60 * 1000;

/**
 * Sealing notices after the seal: who still has to confirm (and by when), the notified
 * agency's acknowledgement, and the written notice to the minor that follows the last one.
 */
@Injectable()
export class SealingNoticesService {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly notices: SealingNoticesRepository,
    private readonly enrollments: EnrollmentsRepository,
    private readonly outbox: Outbox,
    private readonly arrestRecords: ArrestRecordsRepository,
  ) {}

  async list(query: ListSealingNoticesQueryDto, caller: Caller): Promise<Page<SealingNoticeDto>> {
    const page = await this.notices.page(caller, query);
    return { items: await this.present(caller, page.items), nextCursor: page.nextCursor };
  }

  /**
   * Notices as the caller sees them: the caller's own agency's notice about an arrest that
   * agency made shows its booking number (ArrestRecordsRepository.ownBookingNumbers decides
   * who may see it); every other notice has none.
   */
  private async present(caller: Caller, rows: SealingNoticeRow[]): Promise<SealingNoticeDto[]> {
    const own = rows.filter((row) => row.agency_id === caller.agencyId);
    const bookingNumbers = await this.arrestRecords.ownBookingNumbers(caller, [
      ...new Set(own.map((row) => row.arrest_record_id)),
    ]);
    return rows.map((row) =>
      SealingNoticeDto.from(
        row,
        row.agency_id === caller.agencyId ? bookingNumbers.get(row.arrest_record_id) : undefined,
      ),
    );
  }

  /** The notified agency confirms it sealed its copy. Other callers: 404. */
  async acknowledge(
    id: string,
    input: AcknowledgeSealingNoticeDto,
    caller: Caller,
    ifMatch?: string,
  ): Promise<SealingNoticeDto> {
    return this.uow.run(async () => {
      const notice = await this.notices.lockVisible(caller, id);
      if (!notice) throw new NotFoundError('Sealing notice');
      assertIfMatch(ifMatch, Number(notice.version));
      if (notice.status === 'acknowledged') {
        throw new DomainError(
          'SEALING_NOTICE_ALREADY_ACKNOWLEDGED',
          'This sealing notice was already acknowledged',
        );
      }
      const [dto] = await this.present(caller, [
        await this.notices.acknowledge(id, caller.id, input.reference ?? null),
      ]);
      // Addressed to the notified agency, and about the enrollment so that the owning
      // agency (which told it to seal) sees the confirmation come back.
      await this.outbox.emit({
        type: 'sealing_notice.acknowledged',
        enrollmentId: dto.enrollmentId,
        agencyId: dto.agencyId,
        data: {
          sealingNoticeId: dto.id,
          arrestRecordId: dto.arrestRecordId,
          agencyId: dto.agencyId,
          acknowledgedAt: dto.acknowledgedAt,
        },
      });
      return dto;
    });
  }

  async sealingStatus(enrollmentId: string, caller: Caller): Promise<SealingStatusDto> {
    const enrollment = await this.enrollments.findForSealing(caller, enrollmentId, false);
    return this.statusOf(enrollment);
  }

  /** Records the written notice to the minor; only once the enrollment is completed. */
  async recordMinorNotification(
    enrollmentId: string,
    input: RecordMinorNotificationDto,
    caller: Caller,
    ifMatch?: string,
  ): Promise<SealingStatusDto> {
    return this.uow.run(async () => {
      const enrollment = await this.enrollments.findForSealing(caller, enrollmentId, true);
      // If-Match names the sealing status's ETag (a digest of what GET sealing-status shows).
      if (ifMatch !== undefined && ifMatch.trim() !== '') {
        assertIfMatch(ifMatch, contentEtag(await this.statusOf(enrollment)));
      }
      if (enrollment.status !== 'completed' || !enrollment.completed_at) {
        throw new DomainError(
          'ENROLLMENT_NOT_COMPLETED',
          'The minor is notified of a sealing only after the court confirmed completion',
        );
      }
      if (enrollment.minor_notified_at) {
        throw new DomainError(
          'MINOR_NOTIFICATION_ALREADY_RECORDED',
          "The minor's written notice is already recorded for this enrollment",
        );
      }
      const notifiedAt = new Date(input.notifiedAt);
      if (notifiedAt.getTime() > Date.now() + CLOCK_SKEW_MS) {
        throw invalidNotifiedAt('notifiedAt cannot be in the future');
      }
      if (notifiedAt.getTime() < enrollment.completed_at.getTime()) {
        throw invalidNotifiedAt('notifiedAt cannot be before the completion was confirmed');
      }
      const updated = await this.enrollments.recordMinorNotification(
        enrollmentId,
        notifiedAt,
        input.method,
      );
      // Sealing-scoped (privacy/event-visibility.ts): the owning agency only, never providers.
      await this.outbox.emit({
        type: 'minor_notification.recorded',
        enrollmentId,
        data: { enrollmentId, notifiedAt: notifiedAt.toISOString() },
      });
      return this.statusOf(updated);
    });
  }

  private async statusOf(enrollment: EnrollmentSealingRow): Promise<SealingStatusDto> {
    const rows = await this.notices.ofEnrollment(enrollment.id);
    const dueAt = minorNotificationDueAt(
      rows.map((row) => ({ status: row.status, acknowledgedAt: row.acknowledged_at })),
    );
    return {
      enrollmentId: enrollment.id,
      notices: rows.map((row) => SealingNoticeDto.from(row)),
      minorNotificationDueAt: dueAt?.toISOString() ?? null,
      minorNotifiedAt: enrollment.minor_notified_at?.toISOString() ?? null,
      minorNotificationMethod:
        enrollment.minor_notification_method as MinorNotificationMethod | null,
      minorNotificationOverdue: isMinorNotificationOverdue(
        dueAt,
        enrollment.minor_notified_at,
        new Date(),
      ),
    };
  }
}

function invalidNotifiedAt(message: string): DomainError {
  return new DomainError('VALIDATION_FAILED', 'One or more fields are invalid', [
    { field: 'notifiedAt', message },
  ]);
}
