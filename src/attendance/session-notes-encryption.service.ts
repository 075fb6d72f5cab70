import { Injectable, Logger } from '@nestjs/common';
import { UnitOfWork } from '../infrastructure/database/unit-of-work';
import { AttendanceRepository } from './attendance.repository';

const BATCH = 500;

/**
 * Re-encryption of session notes under the current write key (FIELD_ENCRYPTION_KEY_ID), for
 * key rotation: add the new key to FIELD_ENCRYPTION_KEYS and make it the write key (the old
 * one stays listed, so values are readable throughout), run `reencryptAll()` (the admin
 * CLI calls it), then drop the old key from the list. Plaintext left from before encryption
 * is encrypted too. Batches of 500 rows, each its own transaction with the rows locked
 * (SKIP LOCKED): safe to run while the service serves and on several instances at once.
 * Logs counts only, never a value or a key.
 */
@Injectable()
export class SessionNotesEncryption {
  private readonly logger = new Logger(SessionNotesEncryption.name);

  constructor(
    private readonly uow: UnitOfWork,
    private readonly records: AttendanceRepository,
  ) {}

  /** Rewrites every note not under the write key; returns how many were rewritten. */
  async reencryptAll(): Promise<{ reencrypted: number }> {
    let reencrypted = 0;
    for (;;) {
      const done = await this.uow.run(async () => {
        const rows = await this.records.notesToReencrypt(BATCH);
        await this.records.reencryptNotes(rows);
        return rows.length;
      });
      reencrypted += done;
      if (done < BATCH) break;
    }
    this.logger.log(`session notes re-encrypted under the write key: ${reencrypted}`);
    return { reencrypted };
  }
}
