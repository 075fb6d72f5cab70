import { Global, Module } from '@nestjs/common';
import { IdempotencyExpiryJob } from './idempotency-expiry.job';
import { IdempotencyStore } from './idempotency-store.repository';
import { StoredResponsesEncryption } from './stored-responses-encryption.service';

/**
 * Idempotency-Key plumbing: the store of responses kept for replay (the one owner of
 * `idempotency_keys`), the job that expires them and their re-encryption for key rotation.
 * The interceptor itself is registered by the app module, which orders it after the audit
 * interceptor.
 */
@Global()
@Module({
  providers: [IdempotencyStore, IdempotencyExpiryJob, StoredResponsesEncryption],
  exports: [IdempotencyStore, StoredResponsesEncryption],
})
export class IdempotencyModule {}
