import { Injectable } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { createHash, timingSafeEqual } from 'node:crypto';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { DataSource } from 'typeorm';
import { AuditLogRepository } from '../audit/audit-log.repository';
import { AppConfig } from '../common/config/app-config';
import { DomainError, NotFoundError } from '../common/errors/domain-error';
import { EnrollmentsRepository } from '../enrollments/enrollments.repository';
import { JOB_RUN_COUNTS } from '../infrastructure/jobs/periodic-runner';
import { SealingNoticesRepository } from '../sealing/sealing-notices.repository';
import { WebhookDeliveriesRepository } from '../webhooks/webhook-deliveries.repository';

/** What a pg Pool says about itself (TypeORM's postgres driver keeps it as `master`). */
interface PoolCounts {
  totalCount: number;
  idleCount: number;
  waitingCount: number;
}

const digest = (text: string) => createHash('sha256').update(text).digest();

/**
 * Prometheus metrics (`GET /metrics`), in a registry of this app's own (several apps in one
 * process, as in tests, never share one). Request latency is observed as requests end; the
 * rest is read when scraped: pool usage from the driver, webhook backlog, audit sequencer
 * lag and overdue notices from their owners' repositories, job runs from JOB_RUN_COUNTS
 * (the in-process loops and the scheduled jobs on pg-boss).
 * Labels carry route patterns, status codes, job names and agency ids: never personal data.
 */
@Injectable()
export class MetricsService {
  readonly registry = new Registry();
  private readonly requestDuration: Histogram<'method' | 'route' | 'status_code'>;

  constructor(
    private readonly config: AppConfig,
    private readonly modules: ModuleRef,
  ) {
    collectDefaultMetrics({ register: this.registry, prefix: 'first_step_' });
    this.requestDuration = new Histogram({
      name: 'first_step_http_request_duration_seconds',
      help: 'HTTP request latency by route pattern, method and status code',
      labelNames: ['method', 'route', 'status_code'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [this.registry],
    });
    this.registerScrapedMetrics();
  }

  /** Called by the HTTP layer when a response has been sent. */
  observeRequest(method: string, route: string | undefined, status: number, seconds: number): void {
    this.requestDuration.observe(
      { method, route: route ?? 'unmatched', status_code: String(status) },
      seconds,
    );
  }

  /**
   * The exposition text, for a caller presenting `authorization`. Off (404, as if there were
   * no such route) unless METRICS_TOKEN is set; with it, only `Bearer <METRICS_TOKEN>` (401).
   */
  async scrape(authorization: string | undefined): Promise<{ contentType: string; body: string }> {
    const token = this.config.metricsToken;
    if (!token) throw new NotFoundError('Route');
    const presented = /^Bearer (.+)$/.exec(authorization ?? '')?.[1] ?? '';
    if (!timingSafeEqual(digest(presented), digest(token))) {
      throw new DomainError('UNAUTHENTICATED', 'Send the metrics token as a bearer token');
    }
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }

  private get<T>(type: new (...args: never[]) => T): T {
    return this.modules.get(type, { strict: false });
  }

  private registerScrapedMetrics(): void {
    const registers = [this.registry];
    // prom-client calls `collect` with the metric as `this`: the service is reached by closure.
    const get = <T>(type: new (...args: never[]) => T): T => this.get(type);
    new Gauge({
      name: 'first_step_db_pool_connections',
      help: 'Database pool connections by state (total, idle, waiting clients)',
      labelNames: ['state'],
      registers,
      collect() {
        const pool = (get(DataSource).driver as unknown as { master?: PoolCounts }).master;
        if (!pool) return;
        this.set({ state: 'total' }, pool.totalCount);
        this.set({ state: 'idle' }, pool.idleCount);
        this.set({ state: 'waiting' }, pool.waitingCount);
      },
    });
    // The registry collects every metric at once: each reads what it shows itself.
    new Gauge({
      name: 'first_step_webhook_backlog',
      help: 'Undelivered webhook deliveries per subscriber agency',
      labelNames: ['agency_id'],
      registers,
      async collect() {
        const rows = await get(WebhookDeliveriesRepository).backlogByAgency();
        this.reset();
        for (const row of rows) this.set({ agency_id: row.agencyId }, row.pending);
      },
    });
    new Gauge({
      name: 'first_step_webhook_oldest_undelivered_seconds',
      help: 'Age of the oldest undelivered webhook delivery per subscriber agency',
      labelNames: ['agency_id'],
      registers,
      async collect() {
        const rows = await get(WebhookDeliveriesRepository).backlogByAgency();
        this.reset();
        for (const row of rows) this.set({ agency_id: row.agencyId }, row.oldestSeconds);
      },
    });
    new Gauge({
      name: 'first_step_audit_sequencer_pending_entries',
      help: 'Committed audit entries not yet placed in the verifiable log',
      registers,
      async collect() {
        this.set((await get(AuditLogRepository).sequencerLag()).pending);
      },
    });
    new Gauge({
      name: 'first_step_audit_sequencer_lag_seconds',
      help: 'Age of the oldest audit entry not yet placed in the verifiable log (0 when none)',
      registers,
      async collect() {
        this.set((await get(AuditLogRepository).sequencerLag()).oldestSeconds);
      },
    });
    new Counter({
      name: 'first_step_job_runs_total',
      help: 'Background job runs in this process, by job',
      labelNames: ['job'],
      registers,
      collect() {
        this.reset();
        for (const [job, counts] of JOB_RUN_COUNTS) this.inc({ job }, counts.runs);
      },
    });
    new Counter({
      name: 'first_step_job_failures_total',
      help: 'Background job runs that failed in this process, by job',
      labelNames: ['job'],
      registers,
      collect() {
        this.reset();
        for (const [job, counts] of JOB_RUN_COUNTS) this.inc({ job }, counts.failures);
      },
    });
    new Gauge({
      name: 'first_step_sealing_notices_overdue',
      help: 'Sealing notices past their 60 days and not acknowledged',
      registers,
      async collect() {
        this.set(await get(SealingNoticesRepository).overdueCount());
      },
    });
    new Gauge({
      name: 'first_step_minor_notices_overdue',
      help: "Minors' written notices flagged overdue and not yet sent",
      registers,
      async collect() {
        this.set(await get(EnrollmentsRepository).minorNoticesOverdueCount());
      },
    });
  }
}
