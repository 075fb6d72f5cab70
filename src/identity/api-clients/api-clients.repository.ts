import { Injectable } from '@nestjs/common';
import { UnitOfWork } from '../../infrastructure/database/unit-of-work';
import type { Scope } from '../access/roles-and-scopes';
import { ApiClientEntity } from './api-client.entity';

/** The `api_clients` table: the only code that reads or writes it. */
@Injectable()
export class ApiClientsRepository {
  constructor(private readonly uow: UnitOfWork) {}

  private get clients() {
    return this.uow.manager.getRepository(ApiClientEntity);
  }

  insert(client: {
    clientId: string;
    name: string;
    agencyId: string;
    scopes: Scope[];
    secretHash: string;
  }): Promise<ApiClientEntity> {
    return this.clients.save(this.clients.create(client));
  }

  /** A client that is not revoked, with the secret hash that is otherwise never selected. */
  findActiveWithSecretHash(clientId: string): Promise<ApiClientEntity | null> {
    return this.clients
      .createQueryBuilder('c')
      .addSelect('c.secretHash')
      .where('c.clientId = :clientId AND c.revokedAt IS NULL', { clientId })
      .getOne();
  }
}
