import { Injectable } from '@nestjs/common';
import { AppConfig } from '../../common/config/app-config';
import { DomainError } from '../../common/errors/domain-error';
import { AuthFailuresRepository } from './auth-failures.repository';

/**
 * Locks an account key for a while after repeated failures (CJIS 5.5.3). The counter is
 * updated with one atomic upsert, so parallel guesses cannot slip past the threshold.
 */
@Injectable()
export class LoginLockout {
  constructor(
    private readonly failures: AuthFailuresRepository,
    private readonly config: AppConfig,
  ) {}

  /** Throws ACCOUNT_TEMPORARILY_LOCKED while the key is locked. */
  async assertNotLocked(accountKey: string): Promise<void> {
    const retryAfter = await this.failures.secondsLocked(accountKey);
    if (retryAfter !== null) {
      throw new DomainError(
        'ACCOUNT_TEMPORARILY_LOCKED',
        `Too many failed attempts. Try again in ${Math.ceil(retryAfter / 60)} minute(s).`,
        undefined,
        { retryAfterSeconds: retryAfter },
      );
    }
  }

  async recordFailure(accountKey: string): Promise<void> {
    const { threshold, minutes } = this.config.lockout;
    await this.failures.recordFailure(accountKey, threshold, minutes);
  }

  async recordSuccess(accountKey: string): Promise<void> {
    await this.failures.clear(accountKey);
  }
}
