import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Max,
  MaxLength,
  Min,
} from 'class-validator';
import { Type } from 'class-transformer';
import { EVENT_TYPES, type EventData, type EventType } from '../event-types';

/** The largest page of the feed. */
export const FEED_MAX_LIMIT = 500;

export class EventFeedQueryDto {
  @ApiPropertyOptional({
    description: 'nextCursor of the previous page; omit to start from the beginning',
  })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  after?: string;

  @ApiPropertyOptional({
    description: 'Comma-separated event types',
    example: ['arrest_record.sealed', 'enrollment.completed'],
    type: 'array',
    items: { type: 'string', enum: [...EVENT_TYPES] },
  })
  @IsOptional()
  @Transform(({ value }: { value: unknown }) =>
    typeof value === 'string'
      ? value
          .split(',')
          .map((t) => t.trim())
          .filter(Boolean)
      : value,
  )
  @IsArray()
  @ArrayMaxSize(EVENT_TYPES.length)
  @IsIn(EVENT_TYPES, { each: true })
  types?: EventType[];

  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: FEED_MAX_LIMIT, default: 100 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(FEED_MAX_LIMIT)
  limit: number = 100;
}

export class EventDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ enum: EVENT_TYPES }) type!: EventType;
  @ApiProperty() occurredAt!: string;
  @ApiPropertyOptional({
    format: 'uuid',
    description: 'Set when the event is addressed to one agency',
  })
  agencyId?: string;
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description: 'Ids, statuses and dates only',
  })
  data!: EventData;
  @ApiPropertyOptional({
    description:
      '42 CFR 2.32 notice: set when the event discloses substance use treatment records to your agency',
  })
  redisclosureNotice?: string;
}

export class EventPageDto {
  @ApiProperty({
    type: 'array',
    items: { $ref: '#/components/schemas/Event' },
    description: 'Each event follows the schema of its type (components `<Type>Event`)',
  })
  items!: EventDto[];
  @ApiProperty({
    description:
      'Cursor to pass as `after` next time. Always set: when there is nothing new it repeats the cursor you sent, so a poller never loses its place.',
  })
  nextCursor!: string;
}
