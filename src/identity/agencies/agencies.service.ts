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
import { UnitOfWork } from '../../infrastructure/database/unit-of-work';
import { SERVICE_DELIVERING_KINDS } from './agency-kind';
import { AgencyEntity } from './agency.entity';
import { AgencyDto, CreateAgencyDto } from './dto/agency.dto';

@Injectable()
export class AgenciesService {
  constructor(private readonly uow: UnitOfWork) {}

  private get agencies() {
    return this.uow.manager.getRepository(AgencyEntity);
  }

  async create(input: CreateAgencyDto): Promise<AgencyDto> {
    const services = input.services ?? [];
    if (services.length > 0 && !SERVICE_DELIVERING_KINDS.includes(input.kind)) {
      throw new DomainError(
        'AGENCY_SERVICES_NOT_ALLOWED',
        `An agency of kind ${input.kind} cannot deliver services`,
      );
    }
    try {
      const saved = await this.agencies.save(
        this.agencies.create({ name: input.name.trim(), kind: input.kind, services }),
      );
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
    const query = this.agencies
      .createQueryBuilder('a')
      .orderBy('lower(a.name)', 'ASC')
      .addOrderBy('a.id', 'ASC')
      .limit(page.limit + 1);
    if (page.cursor) {
      const [name, id] = decodeCursor(page.cursor, 2);
      // Checked here, not by the database: a malformed uuid would be a SQL error (500).
      if (typeof name !== 'string' || typeof id !== 'string' || !isUUID(id)) throw invalidCursor();
      query.where('(lower(a.name), a.id) > (:name, :id)', { name, id });
    }
    const rows = await query.getMany();
    return toPage(rows, page.limit, (a) => [a.name.toLowerCase(), a.id], AgencyDto.from);
  }

  async findById(id: string): Promise<AgencyEntity | null> {
    return this.agencies.findOneBy({ id });
  }
}
