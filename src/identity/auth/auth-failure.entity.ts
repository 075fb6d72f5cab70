import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * Consecutive failed sign-ins per account key (`user:<email>` or `client:<client_id>`).
 * Keyed by what the caller typed, not by a row that exists, so an unknown email locks
 * exactly like a real one and the answer reveals nothing.
 */
@Entity({ name: 'auth_failures' })
export class AuthFailureEntity {
  @PrimaryColumn({ name: 'account_key', type: 'text' })
  accountKey!: string;

  @Column({ type: 'integer' })
  failures!: number;

  @Column({ name: 'locked_until', type: 'timestamptz', nullable: true })
  lockedUntil!: Date | null;

  @Column({ name: 'last_failure_at', type: 'timestamptz' })
  lastFailureAt!: Date;
}
