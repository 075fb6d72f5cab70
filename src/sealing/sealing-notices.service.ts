import { Injectable } from '@nestjs/common';
import type { EntityManager, SelectQueryBuilder } from 'typeorm';
import { enrollmentVisibleTo, sealingNoticeVisibleTo } from '../access-scope/visibility';
import { DomainError, NotFoundError } from '../common/errors/domain-error';
import { Page, toPage } from '../common/pagination/pagination';
import { cursorTimestampSql, decodeTimeIdCursor } from '../common/pagination/time-id-cursor';
import type { EnrollmentStatus } from '../enrollments/domain/enrollment-status';
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
  SealingNoticeRow,
} from './dto/sealing-notice.dto';
import { isMinorNotificationOverdue, minorNotificationDueAt } from './statutory-clocks';

/** Clocks differ a little between systems: a notice "in the future" by less than this is accepted. */
const CLOCK_SKEW_MS = 5 * 60 * 1000;

interface EnrollmentSealingRow {
  id: string;
  status: EnrollmentStatus;
  completed_at: Date | null;
  minor_notified_at: Date | null;
  minor_notification_method: MinorNotificationMethod | null;
}

/**
 * Sealing notices after the seal: who still has to confirm (and by when), the notified
 * agency's acknowledgement, and the written notice to the minor that follows the last one.
 */
@Injectable()
export class SealingNoticesService {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly outbox: Outbox,
  ) {}

  async list(query: ListSealingNoticesQueryDto, caller: Caller): Promise<Page<SealingNoticeDto>> {
    const scope = sealingNoticeVisibleTo(caller, 'sn');
    const qb = this.noticeQuery(this.uow.manager)
      .addSelect(cursorTimestampSql('sn.created_at'), 'cursor_at')
      .where(scope.sql, scope.params)
      .orderBy('sn.created_at', 'ASC')
      .addOrderBy('sn.id', 'ASC')
      .limit(query.limit + 1);
    if (query.status === 'overdue') {
      qb.andWhere(`sn.status = 'pending' AND now() > sn.due_at`);
    } else if (query.status) {
      qb.andWhere('sn.status = :status', { status: query.status });
    }
    if (query.cursor) {
      const key = decodeTimeIdCursor(query.cursor);
      qb.andWhere('(sn.created_at, sn.id) > (:cursorAt::timestamptz, :cursorId::uuid)', key);
    }
    const rows = await qb.getRawMany<SealingNoticeRow & { cursor_at: string }>();
    return toPage(rows, query.limit, (row) => [row.cursor_at, row.id], SealingNoticeDto.from);
  }

  /** The notified agency confirms it sealed its copy. Other callers: 404. */
  async acknowledge(
    id: string,
    input: AcknowledgeSealingNoticeDto,
    caller: Caller,
  ): Promise<SealingNoticeDto> {
    return this.uow.run(async (manager) => {
      const scope = sealingNoticeVisibleTo(caller, 'sn');
      const notice = await this.noticeQuery(manager)
        .where('sn.id = :id', { id })
        .andWhere(scope.sql, scope.params)
        .setLock('pessimistic_write')
        .getRawOne<SealingNoticeRow>();
      if (!notice) throw new NotFoundError('Sealing notice');
      if (notice.status === 'acknowledged') {
        throw new DomainError(
          'SEALING_NOTICE_ALREADY_ACKNOWLEDGED',
          'This sealing notice was already acknowledged',
        );
      }
      await manager.query(
        `UPDATE sealing_notices
            SET status = 'acknowledged', acknowledged_at = now(), acknowledged_by = $2, reference = $3
          WHERE id = $1`,
        [id, caller.id, input.reference ?? null],
      );
      const updated = await this.noticeQuery(manager)
        .where('sn.id = :id', { id })
        .getRawOne<SealingNoticeRow>();
      const dto = SealingNoticeDto.from(updated!);
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
    const enrollment = await this.findEnrollment(this.uow.manager, enrollmentId, caller, false);
    return this.statusOf(this.uow.manager, enrollment);
  }

  /** Records the written notice to the minor; only once the enrollment is completed. */
  async recordMinorNotification(
    enrollmentId: string,
    input: RecordMinorNotificationDto,
    caller: Caller,
  ): Promise<SealingStatusDto> {
    return this.uow.run(async (manager) => {
      const enrollment = await this.findEnrollment(manager, enrollmentId, caller, true);
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
      const [updated] = await manager.query<[EnrollmentSealingRow[], number]>(
        `UPDATE enrollments
            SET minor_notified_at = $2, minor_notification_method = $3,
                version = version + 1, updated_at = now()
          WHERE id = $1
          RETURNING id, status, completed_at, minor_notified_at, minor_notification_method`,
        [enrollmentId, notifiedAt.toISOString(), input.method],
      );
      return this.statusOf(manager, updated[0]);
    });
  }

  private async findEnrollment(
    manager: EntityManager,
    id: string,
    caller: Caller,
    lock: boolean,
  ): Promise<EnrollmentSealingRow> {
    const scope = enrollmentVisibleTo(caller, 'e');
    const qb = manager
      .createQueryBuilder()
      .from('enrollments', 'e')
      .select('e.id', 'id')
      .addSelect('e.status', 'status')
      .addSelect('e.completed_at', 'completed_at')
      .addSelect('e.minor_notified_at', 'minor_notified_at')
      .addSelect('e.minor_notification_method', 'minor_notification_method')
      .where('e.id = :id', { id })
      .andWhere(scope.sql, scope.params);
    if (lock) qb.setLock('pessimistic_write');
    const enrollment = await qb.getRawOne<EnrollmentSealingRow>();
    if (!enrollment) throw new NotFoundError('Enrollment');
    return enrollment;
  }

  private async statusOf(
    manager: EntityManager,
    enrollment: EnrollmentSealingRow,
  ): Promise<SealingStatusDto> {
    const rows = await this.noticeQuery(manager)
      .where('sn.enrollment_id = :enrollmentId', { enrollmentId: enrollment.id })
      .orderBy('sn.created_at', 'ASC')
      .addOrderBy('sn.id', 'ASC')
      .getRawMany<SealingNoticeRow>();
    const dueAt = minorNotificationDueAt(
      rows.map((row) => ({ status: row.status, acknowledgedAt: row.acknowledged_at })),
    );
    return {
      enrollmentId: enrollment.id,
      notices: rows.map(SealingNoticeDto.from),
      minorNotificationDueAt: dueAt?.toISOString() ?? null,
      minorNotifiedAt: enrollment.minor_notified_at?.toISOString() ?? null,
      minorNotificationMethod: enrollment.minor_notification_method,
      minorNotificationOverdue: isMinorNotificationOverdue(
        dueAt,
        enrollment.minor_notified_at,
        new Date(),
      ),
    };
  }

  /** The one shape notices are read in; `overdue` uses the database clock. */
  private noticeQuery(manager: EntityManager): SelectQueryBuilder<Record<string, unknown>> {
    return manager
      .createQueryBuilder()
      .from('sealing_notices', 'sn')
      .select('sn.id', 'id')
      .addSelect('sn.agency_id', 'agency_id')
      .addSelect('sn.enrollment_id', 'enrollment_id')
      .addSelect('sn.arrest_record_id', 'arrest_record_id')
      .addSelect('sn.status', 'status')
      .addSelect('sn.created_at', 'created_at')
      .addSelect('sn.due_at', 'due_at')
      .addSelect('sn.acknowledged_at', 'acknowledged_at')
      .addSelect('sn.reference', 'reference')
      .addSelect(`(sn.status = 'pending' AND now() > sn.due_at)`, 'overdue');
  }
}

function invalidNotifiedAt(message: string): DomainError {
  return new DomainError('VALIDATION_FAILED', 'One or more fields are invalid', [
    { field: 'notifiedAt', message },
  ]);
}
