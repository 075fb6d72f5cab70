import { Injectable } from '@nestjs/common';
import { DomainError, NotFoundError } from '../common/errors/domain-error';
import { Page } from '../common/pagination/pagination';
import { Outbox } from '../events/outbox.service';
import type { Caller } from '../identity/access/caller';
import { audienceOf } from '../privacy/audience';
import { UnitOfWork } from '../infrastructure/database/unit-of-work';
import { isMinorOn } from './domain/minor-age';
import { searchKey } from './domain/search-key';
import {
  ParticipantDto,
  RegisterParticipantDto,
  SearchParticipantsQueryDto,
} from './dto/participant.dto';
import { ParticipantsRepository } from './participants.repository';

/** Today's calendar date (UTC, like every date computation of the program). */
export const todayUtc = (): string => new Date().toISOString().slice(0, 10);

/**
 * Registration and reading of participants. Every read and change is on the audit trail,
 * as the routes declare (PRODUCT.md: every read of a participant's record is audited).
 */
@Injectable()
export class ParticipantsService {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly participants: ParticipantsRepository,
    private readonly outbox: Outbox,
  ) {}

  async register(input: RegisterParticipantDto, caller: Caller): Promise<ParticipantDto> {
    const today = todayUtc();
    if (input.dateOfBirth > today) {
      throw new DomainError('VALIDATION_FAILED', 'One or more fields are invalid', [
        { field: 'dateOfBirth', message: 'dateOfBirth must not be in the future' },
      ]);
    }
    if (!isMinorOn(input.dateOfBirth, today)) {
      throw new DomainError(
        'PARTICIPANT_NOT_MINOR',
        'The participant must be under 18 on the date of the referral',
      );
    }
    return this.uow.run(async () => {
      const participant = await this.participants.insert({
        ownerAgencyId: caller.agencyId,
        firstName: input.firstName,
        lastName: input.lastName,
        firstNameKey: searchKey(input.firstName),
        lastNameKey: searchKey(input.lastName),
        dateOfBirth: input.dateOfBirth,
        gender: input.gender ?? null,
        preferredLanguage: input.preferredLanguage ?? null,
        guardian: input.guardian
          ? {
              name: input.guardian.name,
              relationship: input.guardian.relationship,
              ...(input.guardian.phone ? { phone: input.guardian.phone } : {}),
            }
          : null,
        createdBy: caller.id,
      });
      await this.outbox.emit({
        type: 'participant.created',
        agencyId: caller.agencyId,
        data: { participantId: participant.id },
      });
      return ParticipantDto.from(participant, audienceOf(caller));
    });
  }

  async get(id: string, caller: Caller): Promise<ParticipantDto> {
    const participant = await this.participants.findVisible(caller, id);
    if (!participant) throw new NotFoundError('Participant');
    return ParticipantDto.from(participant, audienceOf(caller));
  }

  async search(query: SearchParticipantsQueryDto, caller: Caller): Promise<Page<ParticipantDto>> {
    const audience = audienceOf(caller);
    const page = await this.participants.search(caller, {
      text: query.search,
      // Names are withheld from partner systems, so they may not probe them by prefix either.
      caseNumberOnly: audience === 'partner',
      limit: query.limit,
      cursor: query.cursor,
    });
    return {
      items: page.items.map((p) => ParticipantDto.from(p, audience)),
      nextCursor: page.nextCursor,
    };
  }
}
