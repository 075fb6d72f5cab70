import { Injectable } from '@nestjs/common';
import { DomainError, NotFoundError } from '../common/errors/domain-error';
import { Page, PageQueryDto } from '../common/pagination/pagination';
import type { Caller } from '../identity/access/caller';
import { AgenciesService } from '../identity/agencies/agencies.service';
import { AuditContext } from '../infrastructure/audit-context/audit-context';
import { isUniqueViolation } from '../infrastructure/database/postgres-errors';
import { UnitOfWork } from '../infrastructure/database/unit-of-work';
import { isMinorOn } from '../participants/domain/minor-age';
import { ParticipantsRepository } from '../participants/participants.repository';
import { ArrestRecordsRepository } from './arrest-records.repository';
import { ArrestRecordDto, RecordArrestDto } from './dto/arrest-record.dto';

/** Clocks differ a little between agencies' systems: "in the future" by less than this is accepted. */
const CLOCK_SKEW_MS = 5 * 60 * 1000;

const invalidArrestedAt = (message: string) =>
  new DomainError('VALIDATION_FAILED', 'One or more fields are invalid', [
    { field: 'arrestedAt', message },
  ]);

/**
 * Arrest records: recording one for a participant in scope, and reading them through the one
 * scoped path (ArrestRecordsRepository). The routes declare the audit entries; a read that
 * reaches a sealed record is recorded as 'arrest_record.sealed_read', with the purpose the
 * route takes from X-Access-Purpose.
 */
@Injectable()
export class ArrestRecordsService {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly records: ArrestRecordsRepository,
    private readonly participants: ParticipantsRepository,
    private readonly agencies: AgenciesService,
    private readonly auditContext: AuditContext,
  ) {}

  async record(
    participantId: string,
    input: RecordArrestDto,
    caller: Caller,
  ): Promise<ArrestRecordDto> {
    const arrestedAt = new Date(input.arrestedAt);
    if (arrestedAt.getTime() > Date.now() + CLOCK_SKEW_MS)
      throw invalidArrestedAt('arrestedAt must not be in the future');
    // The date as the arresting agency wrote it (in its own offset): the day the age is checked on.
    const arrestDate = input.arrestedAt.slice(0, 10);
    return this.uow.run(async () => {
      const participant = await this.participants.findVisible(caller, participantId);
      if (!participant) throw new NotFoundError('Participant');
      const agency = await this.agencies.findById(input.arrestingAgencyId);
      if (agency?.kind !== 'law_enforcement') {
        throw new DomainError(
          'ARRESTING_AGENCY_INVALID',
          'arrestingAgencyId must name a law enforcement agency',
        );
      }
      if (arrestDate < participant.dateOfBirth) {
        throw invalidArrestedAt("arrestedAt must not be before the participant's date of birth");
      }
      if (!isMinorOn(participant.dateOfBirth, arrestDate)) {
        throw new DomainError(
          'ARREST_RECORD_NOT_MINOR',
          'The participant was 18 or older on the date of the arrest',
        );
      }
      try {
        const saved = await this.records.insert({
          participantId: participant.id,
          ownerAgencyId: caller.agencyId,
          arrestingAgencyId: agency.id,
          kind: input.kind ?? 'arrest',
          bookingNumber: input.bookingNumber,
          arrestedAt,
          charges: input.charges.map((c) =>
            c.description ? { code: c.code, description: c.description } : { code: c.code },
          ),
          location: input.location ?? null,
          createdBy: caller.id,
        });
        return ArrestRecordDto.from(saved);
      } catch (error) {
        if (isUniqueViolation(error, 'arrest_records_booking_unique')) {
          throw new DomainError(
            'ARREST_RECORD_BOOKING_NUMBER_TAKEN',
            'Your agency already holds an open record with this booking number from this arresting agency',
          );
        }
        throw error;
      }
    });
  }

  /**
   * One record. Sealed, out of scope and unknown all answer the same NotFoundError; only court
   * and admin users stating a purpose reach a sealed one, and that read is audited with it.
   */
  async get(id: string, caller: Caller, accessPurpose?: string): Promise<ArrestRecordDto> {
    return this.uow.run(async () => {
      const record = await this.records.findVisible(caller, id, { accessPurpose });
      if (!record) throw new NotFoundError('Arrest record');
      await this.records.recordDisclosure(caller, [record]);
      if (record.status === 'sealed') this.auditContext.setAction('arrest_record.sealed_read');
      return ArrestRecordDto.from(record);
    });
  }

  /** A participant's unsealed records in the caller's scope; each one listed is audited. */
  async listForParticipant(
    participantId: string,
    page: PageQueryDto,
    caller: Caller,
  ): Promise<Page<ArrestRecordDto>> {
    return this.uow.run(async () => {
      const participant = await this.participants.findVisible(caller, participantId);
      if (!participant) throw new NotFoundError('Participant');
      const records = await this.records.listForParticipant(caller, participant.id, page);
      await this.records.recordDisclosure(caller, records.items);
      return {
        items: records.items.map((r) => ArrestRecordDto.from(r)),
        nextCursor: records.nextCursor,
      };
    });
  }
}
