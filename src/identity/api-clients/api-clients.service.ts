import { Injectable } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { DomainError } from '../../common/errors/domain-error';
import { AgenciesService } from '../agencies/agencies.service';
import { hashClientSecret } from '../auth/auth.service';
import { ApiClientsRepository } from './api-clients.repository';
import { AppConfig } from '../../common/config/app-config';
import { NotFoundError } from '../../common/errors/domain-error';
import { assertIfMatch, Versioned } from '../../common/http/etag';
import { Page, PageQueryDto, toPage } from '../../common/pagination/pagination';
import { decodeTimeIdCursor } from '../../common/pagination/time-id-cursor';
import { PrincipalStatus } from '../auth/principal-status';
import { ApiClientEntity } from './api-client.entity';
import {
  ApiClientDto,
  CreateApiClientDto,
  CreatedApiClientDto,
  RotatedSecretDto,
} from './dto/api-client.dto';

const newClientSecret = () => `fss_${randomBytes(32).toString('base64url')}`;

@Injectable()
export class ApiClientsService {
  constructor(
    private readonly clients: ApiClientsRepository,
    private readonly agencies: AgenciesService,
    private readonly status: PrincipalStatus,
    private readonly config: AppConfig,
  ) {}

  /** The secret exists in clear only in this response. */
  async create(input: CreateApiClientDto): Promise<CreatedApiClientDto> {
    const agency = await this.agencies.findById(input.agencyId);
    if (!agency) throw new DomainError('AGENCY_NOT_FOUND', 'agencyId does not name an agency');
    const clientId = `fsc_${randomBytes(12).toString('hex')}`;
    const clientSecret = newClientSecret();
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

  async list(page: PageQueryDto): Promise<Page<ApiClientDto>> {
    const after = page.cursor ? decodeTimeIdCursor(page.cursor) : undefined;
    const rows = await this.clients.listByCreation(page.limit, after);
    return toPage(
      rows,
      page.limit,
      (row) => [row.cursorAt, row.client.id],
      (row) => ApiClientDto.from(row.client),
    );
  }

  async get(id: string): Promise<Versioned<ApiClientDto>> {
    const client = await this.clients.findById(id);
    if (!client) throw new NotFoundError('API client');
    return { body: ApiClientDto.from(client), version: client.version };
  }

  /** No new token, and the tokens it holds stop working within seconds everywhere. */
  async revoke(id: string, ifMatch: string | undefined): Promise<Versioned<ApiClientDto>> {
    await this.activeForUpdate(id, ifMatch);
    const revoked = await this.clients.revoke(id);
    this.status.changed('client', id, { tokenVersion: revoked.tokenVersion, blocked: true });
    return { body: ApiClientDto.from(revoked), version: revoked.version };
  }

  /**
   * A new secret, shown once. The previous one keeps working for
   * CLIENT_SECRET_ROTATION_OVERLAP_SECONDS, so the partner can deploy the new one, then stops.
   * Tokens already issued stay valid until they expire; to cut a leaked secret off at once,
   * revoke the client.
   */
  async rotateSecret(
    id: string,
    ifMatch: string | undefined,
  ): Promise<Versioned<RotatedSecretDto>> {
    await this.activeForUpdate(id, ifMatch);
    const clientSecret = newClientSecret();
    const rotated = await this.clients.rotateSecret(
      id,
      hashClientSecret(clientSecret),
      this.config.clientSecretRotationOverlapSeconds,
    );
    return { body: { ...ApiClientDto.from(rotated), clientSecret }, version: rotated.version };
  }

  private async activeForUpdate(id: string, ifMatch: string | undefined): Promise<ApiClientEntity> {
    const client = await this.clients.findByIdForUpdate(id);
    if (!client) throw new NotFoundError('API client');
    assertIfMatch(ifMatch, client.version);
    if (client.revokedAt !== null) {
      throw new DomainError('API_CLIENT_REVOKED', 'A revoked client cannot be changed');
    }
    return client;
  }
}
