import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Param,
  ParseUUIDPipe,
  Post,
  Query,
  Res,
} from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import {
  ApiIfMatch,
  ETAG_RESPONSE_HEADERS,
  IfMatch,
  withContentEtag,
  withEtag,
} from '../common/http/etag';
import {
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiTags,
  ApiUnprocessableEntityResponse,
  ApiOperation,
} from '@nestjs/swagger';
import { ShownOnce } from '../common/idempotency/shown-once.decorator';
import { PageDto } from '../common/pagination/page.dto';
import { Page, PageQueryDto } from '../common/pagination/pagination';
import { Scopes } from '../identity/access/access-policy.decorators';
import type { Caller } from '../identity/access/caller';
import { CurrentCaller } from '../identity/access/current-caller.decorator';
import {
  CreatedWebhookSubscriptionDto,
  CreateWebhookSubscriptionDto,
  RotatedWebhookSecretDto,
  WebhookDeliveryDto,
  WebhookSubscriptionDto,
} from './dto/webhook.dto';
import { WebhookSubscriptionsService } from './webhook-subscriptions.service';
import { Audited } from '../infrastructure/audit-context/audited.decorator';

@ApiTags('webhooks')
@Controller('webhook-subscriptions')
@Scopes('webhooks:manage')
export class WebhookSubscriptionsController {
  constructor(private readonly subscriptions: WebhookSubscriptionsService) {}

  @ApiOperation({
    summary: 'Subscribe to events',
    description:
      'Creates a subscription to event types the agency can receive (422 names the others); the signing secret is shown once.',
  })
  @Post()
  @Audited({
    action: 'webhook_subscription.created',
    subject: 'webhook_subscription',
    id: 'result',
  })
  @ShownOnce('secret')
  @ApiCreatedResponse({ type: CreatedWebhookSubscriptionDto })
  @ApiUnprocessableEntityResponse({
    description:
      'webhook-url-not-allowed: the URL is refused; webhook-event-types-unreachable: your agency can never receive some of the event types (named in unreachableEventTypes)',
  })
  create(
    @CurrentCaller() caller: Caller,
    @Body() body: CreateWebhookSubscriptionDto,
  ): Promise<CreatedWebhookSubscriptionDto> {
    return this.subscriptions.create(caller, body);
  }

  @ApiOperation({
    summary: 'List webhook subscriptions',
    description: "The subscriptions of the client's agency, without secrets.",
  })
  @Get()
  @Audited({ action: 'webhook_subscription.listed', subject: 'webhook_subscription', id: 'items' })
  @ApiOkResponse({ type: PageDto(WebhookSubscriptionDto) })
  list(
    @CurrentCaller() caller: Caller,
    @Query() page: PageQueryDto,
  ): Promise<Page<WebhookSubscriptionDto>> {
    return this.subscriptions.list(caller, page);
  }

  @ApiOperation({
    summary: "Rotate a subscription's signing secret",
    description:
      'Issues a new secret, shown once; deliveries carry signatures with the old and the new secret until previousSecretExpiresAt, so the receiver can switch without downtime.',
  })
  @Post(':id/rotate-secret')
  @Audited({
    action: 'webhook_subscription.secret_rotated',
    subject: 'webhook_subscription',
    id: { param: 'id' },
  })
  @ShownOnce('secret')
  @HttpCode(200)
  @ApiIfMatch()
  @ApiOkResponse({
    type: RotatedWebhookSecretDto,
    headers: ETAG_RESPONSE_HEADERS,
    description:
      'The new secret, shown once; deliveries are signed with both until previousSecretExpiresAt',
  })
  @ApiNotFoundResponse({ description: "No such subscription of your agency's" })
  async rotateSecret(
    @CurrentCaller() caller: Caller,
    @Param('id', ParseUUIDPipe) id: string,
    @IfMatch() ifMatch: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<RotatedWebhookSecretDto> {
    return withEtag(reply, await this.subscriptions.rotateSecret(caller, id, ifMatch));
  }

  @ApiOperation({
    summary: 'Delete a webhook subscription',
    description: 'Stops deliveries to the subscription; pending deliveries are dropped.',
  })
  @Delete(':id')
  @Audited({
    action: 'webhook_subscription.deleted',
    subject: 'webhook_subscription',
    id: { param: 'id' },
  })
  @HttpCode(204)
  @ApiIfMatch()
  @ApiNoContentResponse({ description: 'Deleted' })
  @ApiNotFoundResponse({ description: 'No such subscription of your agency' })
  remove(
    @CurrentCaller() caller: Caller,
    @Param('id', ParseUUIDPipe) id: string,
    @IfMatch() ifMatch: string | undefined,
  ): Promise<void> {
    return this.subscriptions.remove(caller, id, ifMatch);
  }

  @ApiOperation({
    summary: 'List deliveries of a subscription',
    description: 'Delivery attempts with their status codes, newest first.',
  })
  @Get(':id/deliveries')
  @Audited({
    action: 'webhook_delivery.listed',
    subject: 'webhook_subscription',
    id: { param: 'id' },
  })
  @ApiOkResponse({ type: PageDto(WebhookDeliveryDto) })
  @ApiNotFoundResponse({ description: 'No such subscription of your agency' })
  deliveries(
    @CurrentCaller() caller: Caller,
    @Param('id', ParseUUIDPipe) id: string,
    @Query() page: PageQueryDto,
  ): Promise<Page<WebhookDeliveryDto>> {
    return this.subscriptions.deliveries(caller, id, page);
  }

  @ApiOperation({
    summary: 'Re-send a failed delivery',
    description: 'Schedules a failed delivery again; any other delivery is 409.',
  })
  @Post(':id/deliveries/:deliveryId/retry')
  @Audited({
    action: 'webhook_delivery.retried',
    subject: 'webhook_delivery',
    id: { param: 'deliveryId' },
  })
  @HttpCode(200)
  @ApiIfMatch()
  @ApiOkResponse({
    type: WebhookDeliveryDto,
    headers: {
      ETag: { description: 'Strong tag of the delivery (a digest)', schema: { type: 'string' } },
    },
  })
  async retry(
    @CurrentCaller() caller: Caller,
    @Param('id', ParseUUIDPipe) id: string,
    @Param('deliveryId', ParseUUIDPipe) deliveryId: string,
    @IfMatch() ifMatch: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<WebhookDeliveryDto> {
    return withContentEtag(reply, await this.subscriptions.retry(caller, id, deliveryId, ifMatch));
  }
}
