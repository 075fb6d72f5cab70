import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  ArrayMinSize,
  ArrayUnique,
  IsArray,
  IsIn,
  IsString,
  MaxLength,
} from 'class-validator';
import { EVENT_TYPES, type EventType } from '../../events/event-types';

export class CreateWebhookSubscriptionDto {
  @ApiProperty({ example: 'https://records.police.example.gov/first-step/webhooks' })
  @IsString()
  @MaxLength(2000)
  url!: string;

  @ApiProperty({
    enum: EVENT_TYPES,
    isArray: true,
    description:
      'Event types to receive. arrest_record.sealed for your own arrests is always sent. Types your agency can never receive (e.g. attendance.recorded for law enforcement) are refused with 422.',
  })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(EVENT_TYPES.length)
  @ArrayUnique()
  @IsIn(EVENT_TYPES, { each: true })
  events!: EventType[];
}

export class WebhookSubscriptionDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() url!: string;
  @ApiProperty({ enum: EVENT_TYPES, isArray: true }) events!: EventType[];
  @ApiProperty({ type: 'string', format: 'date-time' }) createdAt!: string;
}

export class CreatedWebhookSubscriptionDto extends WebhookSubscriptionDto {
  @ApiPropertyOptional({
    description:
      'whsec_… signing secret, shown once: absent when an Idempotency-Key replay answers the stored response',
    example: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
  })
  secret!: string;
}

/** The answer to a secret rotation: the new secret, shown once, and the old one's overlap. */
export class RotatedWebhookSecretDto extends CreatedWebhookSubscriptionDto {
  @ApiProperty({
    type: String,
    format: 'date-time',
    nullable: true,
    description:
      'Until then deliveries carry a signature with the previous secret too (null: no overlap)',
  })
  previousSecretExpiresAt!: string | null;
  @ApiProperty({ description: 'Also the strong ETag: `"<version>"`' }) version!: number;
}

export class DeliveryAttemptDto {
  @ApiProperty() at!: string;
  @ApiPropertyOptional({ type: 'integer', nullable: true }) statusCode!: number | null;
  @ApiProperty({ type: 'integer' }) latencyMs!: number;
  @ApiPropertyOptional({ type: String, nullable: true }) error!: string | null;
}

export class WebhookDeliveryDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid', description: 'Also the webhook-id header: stable across retries' })
  eventId!: string;
  @ApiProperty() eventType!: string;
  @ApiProperty({ enum: ['pending', 'delivered', 'failed'] }) status!:
    'pending' | 'delivered' | 'failed';
  @ApiProperty({ type: 'string', format: 'date-time' }) createdAt!: string;
  @ApiPropertyOptional({ type: 'string', format: 'date-time', nullable: true })
  nextAttemptAt!: string | null;
  @ApiPropertyOptional({ type: 'string', format: 'date-time', nullable: true })
  deliveredAt!: string | null;
  @ApiPropertyOptional({ type: 'string', format: 'date-time', nullable: true })
  failedAt!: string | null;
  @ApiProperty({ type: DeliveryAttemptDto, isArray: true }) attempts!: DeliveryAttemptDto[];
}
