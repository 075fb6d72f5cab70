import { Injectable } from '@nestjs/common';
import { DomainError, NotFoundError } from '../common/errors/domain-error';
import { assertIfMatchRequired, Versioned } from '../common/http/etag';
import { TEXT_ID } from '../common/pagination/keyset';
import { Page, PageQueryDto } from '../common/pagination/pagination';
import { UnitOfWork } from '../infrastructure/database/unit-of-work';
import { ProgramDto, UpdateProgramDto } from './dto/program.dto';
import { DEFAULT_PROGRAM_CODE, ProgramEntity } from './program.entity';
import { ProgramsRepository } from './programs.repository';

/** Whether the runtime knows this IANA time zone (the one the app computes in). */
export function isKnownTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/**
 * The program's settings (length, guardian consent, sites, retention, time zone): the one
 * source every computation reads, and their administration. A change applies to enrollments
 * opened afterwards: each enrollment keeps the length and consent rule it was opened under.
 */
@Injectable()
export class ProgramsService {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly programs: ProgramsRepository,
  ) {}

  /** The program seeded by the workflow migration; its absence is a broken installation. */
  async defaultProgram(): Promise<ProgramEntity> {
    const program = await this.programs.findByCode(DEFAULT_PROGRAM_CODE);
    if (!program) throw new Error(`the default program (${DEFAULT_PROGRAM_CODE}) is missing`);
    return program;
  }

  /** The program an enrollment belongs to (a foreign key guarantees it exists). */
  async byId(id: string): Promise<ProgramEntity> {
    const program = await this.programs.findById(id);
    if (!program) throw new Error(`program ${id} is missing`);
    return program;
  }

  async list(page: PageQueryDto): Promise<Page<ProgramDto>> {
    const after = TEXT_ID.decode(page.cursor);
    const rows = await this.programs.listByCode(
      page.limit,
      after ? { code: after[0], id: after[1] } : undefined,
    );
    return TEXT_ID.page(rows, page.limit, (p) => [p.code, p.id], ProgramDto.from);
  }

  async get(id: string): Promise<Versioned<ProgramDto>> {
    const program = await this.programs.findById(id);
    if (!program) throw new NotFoundError('Program');
    return { body: ProgramDto.from(program), version: program.version };
  }

  /** `PATCH /programs/:id`: If-Match required; the change is audited by the route. */
  async update(
    id: string,
    input: UpdateProgramDto,
    ifMatch: string | undefined,
  ): Promise<Versioned<ProgramDto>> {
    if (!ifMatch?.trim()) {
      throw new DomainError('PRECONDITION_REQUIRED', 'Send If-Match with the ETag you last read');
    }
    if (input.timeZone !== undefined && !isKnownTimeZone(input.timeZone)) {
      throw new DomainError('VALIDATION_FAILED', 'One or more fields are invalid', [
        {
          field: 'timeZone',
          message: 'timeZone must be an IANA time zone, e.g. America/Los_Angeles',
        },
      ]);
    }
    return this.uow.run(async () => {
      const current = await this.programs.lockById(id);
      if (!current) throw new NotFoundError('Program');
      assertIfMatchRequired(ifMatch, current.version);
      const updated = await this.programs.update(id, {
        lengthDays: input.lengthDays ?? current.lengthDays,
        guardianConsentRequired: input.guardianConsentRequired ?? current.guardianConsentRequired,
        sites: input.sites ?? current.sites,
        retentionYears: input.retentionYears ?? current.retentionYears,
        timeZone: input.timeZone ?? current.timeZone,
      });
      return { body: ProgramDto.from(updated), version: updated.version };
    });
  }
}
