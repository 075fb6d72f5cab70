import { Injectable } from '@nestjs/common';
import { AppConfig } from '../../common/config/app-config';
import { DomainError } from '../../common/errors/domain-error';
import { UnitOfWork } from '../../infrastructure/database/unit-of-work';

/**
 * Locks an account key for a while after repeated failures (CJIS 5.5.3). The counter is
 * updated with one atomic upsert, so parallel guesses cannot slip past the threshold.
 */
@Injectable()
export class LoginLockout {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly config: AppConfig,
  ) {}

  /** Throws ACCOUNT_TEMPORARILY_LOCKED while the key is locked. */
  async assertNotLocked(accountKey: string): Promise<void> {
    const rows: { retry_after: number }[] = await this.uow.manager.query(
      `SELECT ceil(extract(epoch FROM locked_until - now()))::int AS retry_after
         FROM auth_failures WHERE account_key = $1 AND locked_until > now()`,
      [accountKey],
    );
    if (rows.length > 0) {
      throw new DomainError(
        'ACCOUNT_TEMPORARILY_LOCKED',
        `Too many failed attempts. Try again in ${Math.ceil(rows[0].retry_after / 60)} minute(s).`,
        undefined,
        { retryAfterSeconds: rows[0].retry_after },
      );
    }
  }

  async recordFailure(accountKey: string): Promise<void> {
    const { threshold, minutes } = this.config.lockout;
    await this.uow.manager.query(
      `INSERT INTO auth_failures AS f (account_key, failures, locked_until, last_failure_at)
         VALUES ($1, 1, CASE WHEN $2::int <= 1 THEN now() + make_interval(mins => $3::int) END, now())
       ON CONFLICT (account_key) DO UPDATE SET
         failures = CASE WHEN f.locked_until IS NOT NULL AND f.locked_until <= now() THEN 1 ELSE f.failures + 1 END,
         locked_until = CASE
           WHEN f.locked_until IS NOT NULL AND f.locked_until <= now() THEN NULL
           WHEN f.failures + 1 >= $2::int THEN now() + make_interval(mins => $3::int)
           ELSE f.locked_until END,
         last_failure_at = now()`,
      [accountKey, threshold, minutes],
    );
  }

  async recordSuccess(accountKey: string): Promise<void> {
    await this.uow.manager.query(`DELETE FROM auth_failures WHERE account_key = $1`, [accountKey]);
  }
}
