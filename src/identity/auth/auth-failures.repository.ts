import { Injectable } from '@nestjs/common';
import { UnitOfWork } from '../../infrastructure/database/unit-of-work';

/** The `auth_failures` table: consecutive failed sign-ins per account key. */
@Injectable()
export class AuthFailuresRepository {
  constructor(private readonly uow: UnitOfWork) {}

  /** Seconds until the key's lock ends, or null when it is not locked. */
  async secondsLocked(accountKey: string): Promise<number | null> {
    const rows: { retry_after: number }[] = await this.uow.manager.query(
      `SELECT ceil(extract(epoch FROM locked_until - now()))::int AS retry_after
         FROM auth_failures WHERE account_key = $1 AND locked_until > now()`,
      [accountKey],
    );
    return rows.length > 0 ? rows[0].retry_after : null;
  }

  /**
   * One more failure, in one atomic upsert so parallel guesses cannot slip past the
   * threshold; the key is locked for `minutes` when the count reaches `threshold`. An expired
   * lock starts the count again.
   */
  async recordFailure(accountKey: string, threshold: number, minutes: number): Promise<void> {
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

  async clear(accountKey: string): Promise<void> {
    await this.uow.manager.query(`DELETE FROM auth_failures WHERE account_key = $1`, [accountKey]);
  }
}
