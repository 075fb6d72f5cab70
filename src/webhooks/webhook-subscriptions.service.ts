import { Injectable } from '@nestjs/common';
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { AppConfig } from '../common/config/app-config';
import { DomainError, NotFoundError } from '../common/errors/domain-error';
import { assertIfMatch, contentEtag, Versioned } from '../common/http/etag';
import { TIME_ID } from '../common/pagination/keyset';
import { Page, PageQueryDto } from '../common/pagination/pagination';
import type { EventType } from '../events/event-types';
import type { Caller } from '../identity/access/caller';
import { AgenciesService } from '../identity/agencies/agencies.service';
import { UnitOfWork } from '../infrastructure/database/unit-of-work';
import { checkUrlShape, isForbiddenAddress } from './domain/destination-guard';
import { unreachableEventTypes } from './domain/event-reach';
import { seal } from './domain/secret-box';
import { generateSigningSecret } from './domain/standard-webhooks';
import {
  CreatedWebhookSubscriptionDto,
  CreateWebhookSubscriptionDto,
  RotatedWebhookSecretDto,
  WebhookDeliveryDto,
  WebhookSubscriptionDto,
} from './dto/webhook.dto';
import { DeliveryRow, WebhookDeliveriesRepository } from './webhook-deliveries.repository';
import {
  SubscriptionRow,
  WebhookSubscriptionsRepository,
} from './webhook-subscriptions.repository';

const iso = (value: Date | null) => (value ? new Date(value).toISOString() : null);

/** A partner agency's webhook subscriptions: each client manages its own agency's only. */
@Injectable()
export class WebhookSubscriptionsService {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly config: AppConfig,
    private readonly subscriptionRepository: WebhookSubscriptionsRepository,
    private readonly deliveryRepository: WebhookDeliveriesRepository,
    private readonly agencies: AgenciesService,
  ) {}

  async create(
    caller: Caller,
    input: CreateWebhookSubscriptionDto,
  ): Promise<CreatedWebhookSubscriptionDto> {
    await this.assertReachable(caller, input.events);
    await this.assertDestinationAllowed(input.url);
    const secret = generateSigningSecret();
    const row = await this.subscriptionRepository.insert(caller, {
      url: input.url,
      events: input.events,
      secretCiphertext: seal(this.config.webhooks.secretKey, secret),
    });
    return { ...toSubscriptionDto(row), secret };
  }

  async list(caller: Caller, page: PageQueryDto): Promise<Page<WebhookSubscriptionDto>> {
    const after = TIME_ID.decode(page.cursor);
    const rows = await this.subscriptionRepository.page(caller, after, page.limit + 1);
    return TIME_ID.page(rows, page.limit, (r) => [r.cursor_at, r.id], toSubscriptionDto);
  }

  /**
   * `POST /webhook-subscriptions/:id/rotate-secret`: a new signing secret, shown once. The old
   * one keeps signing deliveries next to it for WEBHOOK_SECRET_OVERLAP_SECONDS (both
   * signatures in `webhook-signature`), so the partner switches without missing a delivery.
   */
  async rotateSecret(
    caller: Caller,
    id: string,
    ifMatch?: string,
  ): Promise<Versioned<RotatedWebhookSecretDto>> {
    return this.uow.run(async () => {
      const version = await this.subscriptionRepository.lockVersion(caller, id);
      if (version === undefined) throw new NotFoundError('Webhook subscription');
      assertIfMatch(ifMatch, version);
      const secret = generateSigningSecret();
      const row = await this.subscriptionRepository.rotateSecret(
        caller,
        id,
        seal(this.config.webhooks.secretKey, secret),
        this.config.webhooks.secretOverlapSeconds,
      );
      if (!row) throw new NotFoundError('Webhook subscription');
      return {
        body: {
          ...toSubscriptionDto(row),
          secret,
          previousSecretExpiresAt: iso(row.previous_secret_expires_at),
          version: row.version,
        },
        version: row.version,
      };
    });
  }

  /** `If-Match` names the subscription's ETag (its version, moved by a secret rotation). */
  async remove(caller: Caller, id: string, ifMatch?: string): Promise<void> {
    return this.uow.run(async () => {
      const version = await this.subscriptionRepository.lockVersion(caller, id);
      if (version === undefined) throw new NotFoundError('Webhook subscription');
      assertIfMatch(ifMatch, version);
      if (!(await this.subscriptionRepository.softDelete(caller, id))) {
        throw new NotFoundError('Webhook subscription');
      }
    });
  }

  async deliveries(
    caller: Caller,
    subscriptionId: string,
    page: PageQueryDto,
  ): Promise<Page<WebhookDeliveryDto>> {
    const after = TIME_ID.decode(page.cursor);
    await this.assertOwned(caller, subscriptionId);
    const rows = await this.deliveryRepository.page(caller, subscriptionId, after, page.limit + 1);
    const views = await this.withAttempts(rows.slice(0, page.limit));
    return TIME_ID.page(
      rows,
      page.limit,
      (r) => [r.cursor_at, r.id],
      (r) => views.get(r.id)!,
    );
  }

  /** Puts a failed delivery back in the queue, due now, with a fresh retry window. */
  async retry(
    caller: Caller,
    subscriptionId: string,
    deliveryId: string,
    ifMatch?: string,
  ): Promise<WebhookDeliveryDto> {
    return this.uow.run(async () => {
      await this.assertOwned(caller, subscriptionId);
      const status = await this.deliveryRepository.lockStatus(caller, subscriptionId, deliveryId);
      if (!status) throw new NotFoundError('Webhook delivery');
      if (ifMatch !== undefined && ifMatch.trim() !== '') {
        // If-Match names the delivery as last shown (a digest: deliveries have no version).
        const shown = await this.deliveryRepository.findOne(caller, subscriptionId, deliveryId);
        assertIfMatch(ifMatch, contentEtag((await this.withAttempts([shown!])).get(deliveryId)));
      }
      if (status !== 'failed') {
        throw new DomainError('WEBHOOK_DELIVERY_NOT_RETRYABLE', `This delivery is ${status}`);
      }
      await this.deliveryRepository.requeue(deliveryId);
      const row = await this.deliveryRepository.findOne(caller, subscriptionId, deliveryId);
      return (await this.withAttempts([row!])).get(deliveryId)!;
    });
  }

  /** Delivery views with their attempts, loaded in one query for all of them. */
  private async withAttempts(rows: DeliveryRow[]): Promise<Map<string, WebhookDeliveryDto>> {
    const attempts = new Map<string, WebhookDeliveryDto['attempts']>();
    for (const attempt of await this.deliveryRepository.attemptsOf(rows.map((r) => r.id))) {
      const list = attempts.get(attempt.delivery_id) ?? [];
      list.push({
        at: iso(attempt.attempted_at)!,
        statusCode: attempt.status_code,
        latencyMs: attempt.latency_ms,
        error: attempt.error,
      });
      attempts.set(attempt.delivery_id, list);
    }
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

  private async assertOwned(caller: Caller, subscriptionId: string): Promise<void> {
    if (!(await this.subscriptionRepository.isActiveAndOwned(caller, subscriptionId))) {
      throw new NotFoundError('Webhook subscription');
    }
  }

  /** A subscription to events the caller's agency can never receive would wait forever: refused. */
  private async assertReachable(caller: Caller, types: readonly EventType[]): Promise<void> {
    const agency = await this.agencies.findById(caller.agencyId);
    if (!agency) throw new Error(`the caller's agency ${caller.agencyId} does not exist`);
    const unreachable = unreachableEventTypes(agency.kind, types);
    if (unreachable.length === 0) return;
    const kind = agency.kind.replace(/_/g, ' ');
    throw new DomainError(
      'WEBHOOK_EVENT_TYPES_UNREACHABLE',
      `An agency of kind ${agency.kind} never receives ${unreachable.join(', ')}`,
      unreachable.map((type) => ({
        field: 'events',
        message: `${type} never reaches a ${kind} agency`,
      })),
      { unreachableEventTypes: unreachable },
    );
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
