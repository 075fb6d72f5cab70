import { Injectable } from '@nestjs/common';
import { COMMIT_ORDER } from '../common/pagination/keyset';
import type { Page } from '../common/pagination/pagination';
import { AuditEventsRepository } from './audit-events.repository';
import { AuditLogService } from './audit-log.service';
import { AuditSigningKey } from './audit-signing-key';
import { AuditEventDto, ListAuditEventsQueryDto } from './dto/audit-event.dto';
import { AuditPublicKeyDto, CheckpointDto } from './dto/audit-log.dto';

/** Reading the trail: entries page by page, the latest checkpoint, the public key. */
@Injectable()
export class AuditTrailService {
  constructor(
    private readonly events: AuditEventsRepository,
    private readonly log: AuditLogService,
    private readonly key: AuditSigningKey,
  ) {}

  async list(query: ListAuditEventsQueryDto): Promise<Page<AuditEventDto>> {
    const { limit, cursor, ...filter } = query;
    const [txid, position] = COMMIT_ORDER.decode(cursor) ?? ['0', '0'];
    const rows = await this.events.page(filter, { txid, position }, limit + 1);
    return COMMIT_ORDER.page(
      rows,
      limit,
      (row) => [row.txid, row.position],
      (row) => AuditEventDto.from(row),
    );
  }

  async checkpoint(): Promise<CheckpointDto> {
    const checkpoint = await this.log.latestCheckpoint();
    const signatureLine = checkpoint.note.trimEnd().split('\n').at(-1) ?? '';
    return {
      origin: checkpoint.origin,
      treeSize: checkpoint.treeSize,
      rootHash: checkpoint.rootHash.toString('base64'),
      signedAt: checkpoint.signedAt.toISOString(),
      signature: signatureLine.split(' ').at(-1) ?? '',
      keyId: checkpoint.keyId,
      note: checkpoint.note,
    };
  }

  publicKey(): AuditPublicKeyDto {
    return {
      origin: this.key.origin,
      keyId: this.key.keyId,
      algorithm: 'Ed25519',
      publicKeyPem: this.key.publicKeyPem,
      noteVerifier: this.key.verifierKey,
    };
  }
}
