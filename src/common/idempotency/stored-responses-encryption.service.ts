import { Injectable, Logger } from '@nestjs/common';
import { UnitOfWork } from '../../infrastructure/database/unit-of-work';
import { IdempotencyStore } from './idempotency-store.repository';

const BATCH = 500;

/**
 * Re-encryption of the stored Idempotency-Key responses under the current write key
 * (FIELD_ENCRYPTION_KEY_ID), for key rotation, beside the session notes' (the admin CLI's
 * `rotate-keys` runs both). Batches of 500 rows, each its own transaction with the rows locked
 * (SKIP LOCKED): safe while the service serves and on several instances at once. A response
 * that does not open although its key is configured is withdrawn (it already answers as
 * withdrawn); one under a key no longer configured stops the run. Logs counts only.
 */
@Injectable()
export class StoredResponsesEncryption {
  private readonly logger = new Logger(StoredResponsesEncryption.name);

  constructor(
    private readonly uow: UnitOfWork,
    private readonly store: IdempotencyStore,
  ) {}

  /** Rewrites every stored response not under the write key; says how many, and how many withdrawn. */
  async reencryptAll(): Promise<{ reencrypted: number; withdrawn: number }> {
    let reencrypted = 0;
    let withdrawn = 0;
    for (;;) {
      const done = await this.uow.run(async () => {
        const rows = await this.store.responsesToReencrypt(BATCH);
        const result = await this.store.reencryptResponses(rows);
        reencrypted += result.reencrypted;
        withdrawn += result.withdrawn;
        return rows.length;
      });
      if (done < BATCH) break;
    }
    this.logger.log(
      `stored responses re-encrypted under the write key: ${reencrypted}; withdrawn (did not open): ${withdrawn}`,
    );
    return { reencrypted, withdrawn };
  }
}
