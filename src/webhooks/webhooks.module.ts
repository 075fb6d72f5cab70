import { Module } from '@nestjs/common';
import { WebhookDeliveryWorker } from './webhook-delivery.worker';
import { WebhookDispatcher } from './webhook-dispatcher.service';
import { WebhookSender } from './webhook-sender';
import { WebhookSubscriptionsController } from './webhook-subscriptions.controller';
import { WebhookSubscriptionsService } from './webhook-subscriptions.service';

/** Signed webhooks (Standard Webhooks) fed from the transactional outbox. */
@Module({
  controllers: [WebhookSubscriptionsController],
  providers: [WebhookSubscriptionsService, WebhookDispatcher, WebhookSender, WebhookDeliveryWorker],
})
export class WebhooksModule {}
