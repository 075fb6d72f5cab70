import { Injectable } from '@nestjs/common';
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { AppConfig } from '../common/config/app-config';
import { DomainError, NotFoundError } from '../common/errors/domain-error';
import { decodeCursor, Page, PageQueryDto, toPage } from '../common/pagination/pagination';
import type { Caller } from '../identity/access/caller';
import { UnitOfWork } from '../infrastructure/database/unit-of-work';
import { checkUrlShape, isForbiddenAddress } from './domain/destination-guard';
import { seal } from './domain/secret-box';
import { generateSigningSecret } from './domain/standard-webhooks';
import {
  CreatedWebhookSubscriptionDto,
  CreateWebhookSubscriptionDto,
  WebhookDeliveryDto,
  WebhookSubscriptionDto,
} from './dto/webhook.dto';

interface SubscriptionRow {
  id: string;
  url: string;
  events: string[];
  created_at: Date;
  created_at_key: string;
}

interface DeliveryRow {
  id: string;
  event_id: string;
  event_type: string;
  status: 'pending' | 'delivered' | 'failed';
  created_at: Date;
  created_at_key: string;
  next_attempt_at: Date;
  delivered_at: Date | null;
  failed_at: Date | null;
}

const iso = (value: Date | null) => (value ? new Date(value).toISOString() : null);
const CREATED_AT_KEY = `to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US')`;

/** A partner agency's webhook subscriptions: each client manages its own agency's only. */
@Injectable()
export class WebhookSubscriptionsService {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly config: AppConfig,
  ) {}

  async create(
    caller: Caller,
    input: CreateWebhookSubscriptionDto,
  ): Promise<CreatedWebhookSubscriptionDto> {
    await this.assertDestinationAllowed(input.url);
    const secret = generateSigningSecret();
    const [row] = await this.uow.manager.query<SubscriptionRow[]>(
      `INSERT INTO webhook_subscriptions (agency_id, url, events, secret_ciphertext, created_by)
       VALUES ($1, $2, $3, $4, $5) RETURNING id, url, events, created_at`,
      [
        caller.agencyId,
        input.url,
        input.events,
        seal(this.config.webhooks.secretKey, secret),
        caller.id,
      ],
    );
    return { ...toSubscriptionDto(row), secret };
  }

  async list(caller: Caller, page: PageQueryDto): Promise<Page<WebhookSubscriptionDto>> {
    const [at, id] = page.cursor ? decodeCursor(page.cursor, 2) : [null, null];
    const rows = await this.uow.manager.query<SubscriptionRow[]>(
      `SELECT id, url, events, created_at, ${CREATED_AT_KEY} AS created_at_key FROM webhook_subscriptions
        WHERE agency_id = $1 AND deleted_at IS NULL
          AND ($2::timestamp IS NULL OR (created_at AT TIME ZONE 'UTC', id) > ($2::timestamp, $3::uuid))
        ORDER BY created_at, id LIMIT $4`,
      [caller.agencyId, at, id, page.limit + 1],
    );
    return toPage(rows, page.limit, (r) => [r.created_at_key, r.id], toSubscriptionDto);
  }

  async remove(caller: Caller, id: string): Promise<void> {
    const rows = await this.uow.manager.query<{ id: string }[]>(
      `WITH removed AS (
         UPDATE webhook_subscriptions SET deleted_at = now()
          WHERE id = $1 AND agency_id = $2 AND deleted_at IS NULL RETURNING id)
       SELECT id FROM removed`,
      [id, caller.agencyId],
    );
    if (rows.length === 0) throw new NotFoundError('Webhook subscription');
  }

  async deliveries(
    caller: Caller,
    subscriptionId: string,
    page: PageQueryDto,
  ): Promise<Page<WebhookDeliveryDto>> {
    await this.assertOwned(caller, subscriptionId);
    const [at, id] = page.cursor ? decodeCursor(page.cursor, 2) : [null, null];
    const rows = await this.deliveryRows(
      `d.subscription_id = $1
          AND ($2::timestamp IS NULL OR (d.created_at AT TIME ZONE 'UTC', d.id) > ($2::timestamp, $3::uuid))
        ORDER BY d.created_at, d.id LIMIT $4`,
      [subscriptionId, at, id, page.limit + 1],
    );
    const views = await this.withAttempts(rows.slice(0, page.limit));
    return toPage(
      rows,
      page.limit,
      (r) => [r.created_at_key, r.id],
      (r) => views.get(r.id)!,
    );
  }

  /** Puts a failed delivery back in the queue, due now, with a fresh retry window. */
  async retry(
    caller: Caller,
    subscriptionId: string,
    deliveryId: string,
  ): Promise<WebhookDeliveryDto> {
    return this.uow.run(async (manager) => {
      await this.assertOwned(caller, subscriptionId);
      const [row] = await manager.query<{ status: string }[]>(
        `SELECT status FROM webhook_deliveries WHERE id = $1 AND subscription_id = $2 FOR UPDATE`,
        [deliveryId, subscriptionId],
      );
      if (!row) throw new NotFoundError('Webhook delivery');
      if (row.status !== 'failed') {
        throw new DomainError('WEBHOOK_DELIVERY_NOT_RETRYABLE', `This delivery is ${row.status}`);
      }
      await manager.query(
        `UPDATE webhook_deliveries SET status = 'pending', failed_at = NULL, next_attempt_at = now(),
                retry_window_started_at = now() WHERE id = $1`,
        [deliveryId],
      );
      const rows = await this.deliveryRows(`d.id = $1`, [deliveryId]);
      return (await this.withAttempts(rows)).get(deliveryId)!;
    });
  }

  private deliveryRows(where: string, params: unknown[]): Promise<DeliveryRow[]> {
    return this.uow.manager.query<DeliveryRow[]>(
      `SELECT d.id, d.event_id, o.type AS event_type, d.status, d.created_at,
              to_char(d.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US') AS created_at_key,
              d.next_attempt_at, d.delivered_at, d.failed_at
         FROM webhook_deliveries d JOIN outbox_events o ON o.id = d.event_id
        WHERE ${where}`,
      params,
    );
  }

  /** Delivery views with their attempts, loaded in one query for all of them. */
  private async withAttempts(rows: DeliveryRow[]): Promise<Map<string, WebhookDeliveryDto>> {
    const attempts = await this.attemptsOf(rows.map((r) => r.id));
    return new Map(
      rows.map((r) => [
        r.id,
        {
          id: r.id,
          eventId: r.event_id,
          eventType: r.event_type,
          status: r.status,
          createdAt: iso(r.created_at)!,
          nextAttemptAt: r.status === 'pending' ? iso(r.next_attempt_at) : null,
          deliveredAt: iso(r.delivered_at),
          failedAt: iso(r.failed_at),
          attempts: attempts.get(r.id) ?? [],
        },
      ]),
    );
  }

  private async attemptsOf(
    deliveryIds: string[],
  ): Promise<Map<string, WebhookDeliveryDto['attempts']>> {
    const byDelivery = new Map<string, WebhookDeliveryDto['attempts']>();
    if (deliveryIds.length === 0) return byDelivery;
    const rows = await this.uow.manager.query<
      {
        delivery_id: string;
        attempted_at: Date;
        status_code: number | null;
        latency_ms: number;
        error: string | null;
      }[]
    >(
      `SELECT delivery_id, attempted_at, status_code, latency_ms, error FROM webhook_delivery_attempts
        WHERE delivery_id = ANY($1::uuid[]) ORDER BY attempted_at, id`,
      [deliveryIds],
    );
    for (const row of rows) {
      const list = byDelivery.get(row.delivery_id) ?? [];
      list.push({
        at: iso(row.attempted_at)!,
        statusCode: row.status_code,
        latencyMs: row.latency_ms,
        error: row.error,
      });
      byDelivery.set(row.delivery_id, list);
    }
    return byDelivery;
  }

  private async assertOwned(caller: Caller, subscriptionId: string): Promise<void> {
    const rows = await this.uow.manager.query<unknown[]>(
      `SELECT 1 FROM webhook_subscriptions WHERE id = $1 AND agency_id = $2 AND deleted_at IS NULL`,
      [subscriptionId, caller.agencyId],
    );
    if (rows.length === 0) throw new NotFoundError('Webhook subscription');
  }

  /** SSRF defence at subscription time; the sender checks the resolved address again per attempt. */
  private async assertDestinationAllowed(raw: string): Promise<void> {
    const { allowPrivateAddresses, requireHttps } = this.config.webhooks;
    const shape = checkUrlShape(raw, { allowPrivateAddresses, requireHttps });
    if ('problem' in shape) throw urlNotAllowed(shape.problem);
    const host = shape.url.hostname.replace(/^\[|\]$/g, '');
    if (allowPrivateAddresses || isIP(host)) return;
    let addresses: { address: string }[];
    try {
      addresses = await lookup(host, { all: true });
    } catch {
      throw urlNotAllowed('host_not_resolvable');
    }
    if (addresses.some((a) => isForbiddenAddress(a.address)))
      throw urlNotAllowed('address_not_allowed');
  }
}

const URL_PROBLEM_TEXT: Record<string, string> = {
  not_a_url: 'url must be an absolute URL',
  scheme_not_allowed: 'url must use https (http is accepted outside production only)',
  credentials_not_allowed: 'url must not contain credentials',
  address_not_allowed: 'url must not point to a private, loopback or link-local address',
  host_not_resolvable: 'the host name of url does not resolve',
};

function urlNotAllowed(problem: string): DomainError {
  return new DomainError('WEBHOOK_URL_NOT_ALLOWED', URL_PROBLEM_TEXT[problem], [
    { field: 'url', message: URL_PROBLEM_TEXT[problem] },
  ]);
}

function toSubscriptionDto(row: SubscriptionRow): WebhookSubscriptionDto {
  return {
    id: row.id,
    url: row.url,
    events: row.events as WebhookSubscriptionDto['events'],
    createdAt: iso(row.created_at)!,
  };
}
