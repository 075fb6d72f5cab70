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
  CorrectParticipantDto,
  ParticipantDto,
  RegisteredParticipantDto,
  RegisterParticipantDto,
  SearchParticipantsQueryDto,
} from './dto/participant.dto';
import { assertIfMatchRequired, Versioned } from '../common/http/etag';
import { ParticipantsRepository } from './participants.repository';

/** A value as JSON with object keys sorted (jsonb does not keep the order they were written in). */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => a.localeCompare(b)))
      : v,
  );
}

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

  async register(input: RegisterParticipantDto, caller: Caller): Promise<RegisteredParticipantDto> {
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
      // Registered all the same: twins, or two minors of one name, exist; the caller checks.
      const possibleDuplicates = await this.participants.sameIdentityInAgency(
        caller.agencyId,
        participant,
        participant.id,
      );
      return { ...ParticipantDto.from(participant, audienceOf(caller)), possibleDuplicates };
    });
  }

  /**
   * `PATCH /participants/:id`: the registering agency's coordinator (or an admin) corrects
   * the minor's details, If-Match required. The case number never changes; a corrected date
   * of birth must keep the participant a minor on the date of referral (registration). Which
   * fields changed and why go to the correction log, the audit trail (the route) and a
   * `participant.corrected` event (field names only, never values).
   */
  async correct(
    id: string,
    input: CorrectParticipantDto,
    caller: Caller,
    ifMatch: string | undefined,
  ): Promise<Versioned<ParticipantDto>> {
    if (!ifMatch?.trim()) {
      throw new DomainError('PRECONDITION_REQUIRED', 'Send If-Match with the ETag you last read');
    }
    return this.uow.run(async () => {
      const current = await this.participants.lockWritable(caller, id);
      if (!current) throw new NotFoundError('Participant');
      assertIfMatchRequired(ifMatch, current.version);
      const next = {
        firstName: input.firstName ?? current.firstName,
        lastName: input.lastName ?? current.lastName,
        dateOfBirth: input.dateOfBirth ?? current.dateOfBirth,
        gender: input.gender === undefined ? current.gender : input.gender,
        preferredLanguage:
          input.preferredLanguage === undefined
            ? current.preferredLanguage
            : input.preferredLanguage,
        guardian:
          input.guardian === undefined
            ? current.guardian
            : input.guardian === null
              ? null
              : {
                  name: input.guardian.name,
                  relationship: input.guardian.relationship,
                  ...(input.guardian.phone ? { phone: input.guardian.phone } : {}),
                },
      };
      if (input.dateOfBirth !== undefined) {
        const referral = current.createdAt.toISOString().slice(0, 10);
        if (input.dateOfBirth > todayUtc()) {
          throw new DomainError('VALIDATION_FAILED', 'One or more fields are invalid', [
            { field: 'dateOfBirth', message: 'dateOfBirth must not be in the future' },
          ]);
        }
        if (!isMinorOn(input.dateOfBirth, referral)) {
          throw new DomainError(
            'PARTICIPANT_NOT_MINOR',
            'With this date of birth the participant was not under 18 on the date of referral',
          );
        }
      }
      const fields = (Object.keys(next) as (keyof typeof next)[]).filter(
        (field) => canonical(next[field]) !== canonical(current[field]),
      );
      if (fields.length === 0) {
        return { body: ParticipantDto.from(current, audienceOf(caller)), version: current.version };
      }
      const corrected = await this.participants.correct(
        id,
        {
          ...next,
          firstNameKey: searchKey(next.firstName),
          lastNameKey: searchKey(next.lastName),
        },
        { fields, reason: input.reason ?? null, correctedBy: caller.id },
      );
      await this.outbox.emit({
        type: 'participant.corrected',
        agencyId: corrected.ownerAgencyId,
        data: { participantId: id, fields: fields.join(','), version: corrected.version },
      });
      return {
        body: ParticipantDto.from(corrected, audienceOf(caller)),
        version: corrected.version,
      };
    });
  }

  /** One participant as the caller may see it, with its version (the ETag). */
  async read(id: string, caller: Caller): Promise<Versioned<ParticipantDto>> {
    const participant = await this.participants.findVisible(caller, id);
    if (!participant) throw new NotFoundError('Participant');
    return {
      body: ParticipantDto.from(participant, audienceOf(caller)),
      version: participant.version,
    };
  }

  async get(id: string, caller: Caller): Promise<ParticipantDto> {
    return (await this.read(id, caller)).body;
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
