import { Injectable } from '@nestjs/common';
import { isUUID } from 'class-validator';
import { DomainError } from '../../common/errors/domain-error';
import {
  decodeCursor,
  invalidCursor,
  Page,
  PageQueryDto,
  toPage,
} from '../../common/pagination/pagination';
import { isUniqueViolation } from '../../infrastructure/database/postgres-errors';
import { AgenciesRepository } from './agencies.repository';
import { SERVICE_DELIVERING_KINDS } from './agency-kind';
import { AgencyEntity } from './agency.entity';
import { AgencyDto, CreateAgencyDto } from './dto/agency.dto';

@Injectable()
export class AgenciesService {
  constructor(private readonly agencies: AgenciesRepository) {}

  async create(input: CreateAgencyDto): Promise<AgencyDto> {
    const services = input.services ?? [];
    if (services.length > 0 && !SERVICE_DELIVERING_KINDS.includes(input.kind)) {
      throw new DomainError(
        'AGENCY_SERVICES_NOT_ALLOWED',
        `An agency of kind ${input.kind} cannot deliver services`,
      );
    }
    try {
      const saved = await this.agencies.insert({
        name: input.name.trim(),
        kind: input.kind,
        services,
      });
      return AgencyDto.from(saved);
    } catch (error) {
      if (isUniqueViolation(error, 'agencies_name_unique')) {
        throw new DomainError('AGENCY_NAME_TAKEN', 'An agency with this name already exists');
      }
      throw error;
    }
  }

  /** Agencies are not sensitive: every signed-in person needs them to pick providers and arresting agencies. */
  async list(page: PageQueryDto): Promise<Page<AgencyDto>> {
    let after: { name: string; id: string } | undefined;
    if (page.cursor) {
      const [name, id] = decodeCursor(page.cursor, 2);
      // Checked here, not by the database: a malformed uuid would be a SQL error (500).
      if (typeof name !== 'string' || typeof id !== 'string' || !isUUID(id)) throw invalidCursor();
      after = { name, id };
    }
    const rows = await this.agencies.listByName(page.limit, after);
    return toPage(rows, page.limit, (a) => [a.name.toLowerCase(), a.id], AgencyDto.from);
  }

  async findById(id: string): Promise<AgencyEntity | null> {
    return this.agencies.findById(id);
  }

  /**
   * The court a review goes to when the submission names none: the only court agency, or
   * undefined when there are none or several (then the submission must name one).
   */
  async soleCourtId(): Promise<string | undefined> {
    const courts = await this.agencies.idsOfKind('court', 2);
    return courts.length === 1 ? courts[0] : undefined;
  }
}
