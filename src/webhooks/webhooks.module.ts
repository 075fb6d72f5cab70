import { Module } from '@nestjs/common';
import { IdentityModule } from '../identity/identity.module';
import { WebhookDeliveryJob } from './jobs/webhook-delivery.job';
import { WebhookDispatchJob } from './jobs/webhook-dispatch.job';
import { WebhookDeliveriesRepository } from './webhook-deliveries.repository';
import { WebhookSender } from './webhook-sender';
import { WebhookSubscriptionsController } from './webhook-subscriptions.controller';
import { WebhookSubscriptionsRepository } from './webhook-subscriptions.repository';
import { WebhookSubscriptionsService } from './webhook-subscriptions.service';

/**
 * Signed webhooks (Standard Webhooks) fed from the transactional outbox: subscriptions, and
 * two jobs, dispatch (outbox -> deliveries) and delivery (claim, send, record, retry).
 */
@Module({
  // AgenciesService: an agency's kind decides which events it can ever receive.
  imports: [IdentityModule],
  controllers: [WebhookSubscriptionsController],
  providers: [
    WebhookSubscriptionsRepository,
    WebhookDeliveriesRepository,
    WebhookSubscriptionsService,
    WebhookSender,
    WebhookDeliveryJob,
    WebhookDispatchJob,
  ],
})
export class WebhooksModule {}
