import { Injectable, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { AppConfig } from '../../common/config/app-config';
import { DomainError } from '../../common/errors/domain-error';
import { PeriodicRunner } from '../../infrastructure/jobs/periodic-runner';
import { ApiClientsRepository } from '../api-clients/api-clients.repository';
import { ChangedPrincipal, UsersRepository } from '../users/users.repository';

export type PrincipalKind = 'user' | 'client';

/** No token version is high enough: the principal is disabled or revoked. */
const BLOCKED = Number.POSITIVE_INFINITY;

/**
 * Which access tokens still speak for their principal, without a database round trip per
 * request. Each token carries its principal's token version (`ver`); disabling a user,
 * changing its role or revoking a client bumps that version (or blocks the principal), so
 * tokens issued before no longer pass. This instance keeps the short list of principals
 * that ever changed (everyone else: any version >= 1 is good), reloads it in the background
 * every half TTL, and reloads it before answering if it is older than the TTL, so a change
 * made on any instance takes effect everywhere within PRINCIPAL_STATUS_TTL_MS; the instance
 * that made the change applies it at once. If the list cannot be reloaded, tokens are
 * refused (503) rather than trusted on stale knowledge.
 */
@Injectable()
export class PrincipalStatus implements OnApplicationBootstrap, OnModuleDestroy {
  private minimumVersions = new Map<string, number>();
  private loadedAt = Number.NEGATIVE_INFINITY;
  private loading?: Promise<void>;
  private readonly runner: PeriodicRunner;

  constructor(
    private readonly users: UsersRepository,
    private readonly clients: ApiClientsRepository,
    private readonly config: AppConfig,
  ) {
    this.runner = new PeriodicRunner(
      PrincipalStatus.name,
      Math.max(50, Math.floor(config.principalStatusTtlMs / 2)),
      () => this.reload(),
    );
  }

  /**
   * Loads the list before the first request where it can; a database not migrated yet
   * (MIGRATIONS_RUN=false) must not stop the start: tokens are then refused (503) until a
   * reload succeeds, and the background runner keeps trying.
   */
  async onApplicationBootstrap(): Promise<void> {
    await this.reload().catch(() => undefined);
    this.runner.start();
  }

  async onModuleDestroy(): Promise<void> {
    await this.runner.stop();
  }

  /** True when a token of this principal carrying `tokenVersion` is still good. */
  async accepts(kind: PrincipalKind, id: string, tokenVersion: number): Promise<boolean> {
    if (Date.now() - this.loadedAt > this.config.principalStatusTtlMs) {
      try {
        await this.reload();
      } catch {
        throw new DomainError('SERVICE_UNAVAILABLE', 'Access cannot be checked now; retry');
      }
    }
    return tokenVersion >= (this.minimumVersions.get(`${kind}:${id}`) ?? 1);
  }

  /** What this instance just changed: effective here at once, elsewhere at the next reload. */
  changed(
    kind: PrincipalKind,
    id: string,
    status: { tokenVersion: number; blocked: boolean },
  ): void {
    this.minimumVersions.set(`${kind}:${id}`, status.blocked ? BLOCKED : status.tokenVersion);
  }

  /** One reload at a time; callers arriving meanwhile share it. */
  private reload(): Promise<void> {
    this.loading ??= this.load().finally(() => (this.loading = undefined));
    return this.loading;
  }

  private async load(): Promise<void> {
    const started = Date.now();
    const [users, clients] = await Promise.all([
      this.users.listChangedStatuses(),
      this.clients.listChangedStatuses(),
    ]);
    const next = new Map<string, number>();
    const add = (kind: PrincipalKind, rows: ChangedPrincipal[]) => {
      for (const row of rows)
        next.set(`${kind}:${row.id}`, row.blocked ? BLOCKED : row.tokenVersion);
    };
    add('user', users);
    add('client', clients);
    this.minimumVersions = next;
    this.loadedAt = started;
  }
}
