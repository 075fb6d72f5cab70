import { Injectable } from '@nestjs/common';
import { ColumnReencryption } from '../infrastructure/database/encrypted-column';
import { UnitOfWork } from '../infrastructure/database/unit-of-work';
import { ArrestRecordsRepository } from './arrest-records.repository';

/**
 * Key rotation of arrest locations, sealed records' included (kept until the retention
 * purge); ColumnReencryption: how, and when to drop the old key.
 */
@Injectable()
export class ArrestLocationEncryption extends ColumnReencryption {
  constructor(
    uow: UnitOfWork,
    private readonly records: ArrestRecordsRepository,
  ) {
    super(uow, 'arrest locations');
  }

  protected batch(limit: number): Promise<number> {
    return this.records.reencryptLocationBatch(limit);
  }
}
