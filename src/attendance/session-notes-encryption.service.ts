import { Injectable } from '@nestjs/common';
import { ColumnReencryption } from '../infrastructure/database/encrypted-column';
import { UnitOfWork } from '../infrastructure/database/unit-of-work';
import { AttendanceRepository } from './attendance.repository';

/** Key rotation of session notes (ColumnReencryption: how, and when to drop the old key). */
@Injectable()
export class SessionNotesEncryption extends ColumnReencryption {
  constructor(
    uow: UnitOfWork,
    private readonly records: AttendanceRepository,
  ) {
    super(uow, 'session notes');
  }

  protected batch(limit: number): Promise<number> {
    return this.records.reencryptNotesBatch(limit);
  }
}
