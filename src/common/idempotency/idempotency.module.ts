import { Global, Module } from '@nestjs/common';
import { IdempotencyExpiryJob } from './idempotency-expiry.job';
import { IdempotencyStore } from './idempotency-store.repository';

/**
 * Idempotency-Key plumbing: the store of responses kept for replay (the one owner of
 * `idempotency_keys`) and the job that expires them. The interceptor itself is registered
 * by the app module, which orders it after the audit interceptor.
 */
@Global()
@Module({
  providers: [IdempotencyStore, IdempotencyExpiryJob],
  exports: [IdempotencyStore],
})
export class IdempotencyModule {}
