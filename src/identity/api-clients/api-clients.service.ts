import { Injectable } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { DomainError } from '../../common/errors/domain-error';
import { AgenciesService } from '../agencies/agencies.service';
import { hashClientSecret } from '../auth/auth.service';
import { ApiClientsRepository } from './api-clients.repository';
import { CreateApiClientDto, CreatedApiClientDto } from './dto/api-client.dto';

@Injectable()
export class ApiClientsService {
  constructor(
    private readonly clients: ApiClientsRepository,
    private readonly agencies: AgenciesService,
  ) {}

  /** The secret exists in clear only in this response. */
  async create(input: CreateApiClientDto): Promise<CreatedApiClientDto> {
    const agency = await this.agencies.findById(input.agencyId);
    if (!agency) throw new DomainError('AGENCY_NOT_FOUND', 'agencyId does not name an agency');
    const clientId = `fsc_${randomBytes(12).toString('hex')}`;
    const clientSecret = `fss_${randomBytes(32).toString('base64url')}`;
    const saved = await this.clients.insert({
      clientId,
      name: input.name.trim(),
      agencyId: agency.id,
      scopes: input.scopes,
      secretHash: hashClientSecret(clientSecret),
    });
    return {
      id: saved.id,
      name: saved.name,
      agencyId: saved.agencyId,
      clientId,
      clientSecret,
      scopes: saved.scopes,
    };
  }
}
