import { ApiProperty } from '@nestjs/swagger';
import { IsIn, IsISO8601, Matches } from 'class-validator';
import { SealingNoticeDto } from './sealing-notice.dto';

export const MINOR_NOTIFICATION_METHODS = ['mail', 'in_person', 'email', 'other'] as const;
export type MinorNotificationMethod = (typeof MINOR_NOTIFICATION_METHODS)[number];

/** The written notice to the minor that the arrest is sealed (WIC 786.5: within 30 days of confirmation). */
export class RecordMinorNotificationDto {
  @ApiProperty({ format: 'date-time', example: '2026-04-02T15:00:00-07:00' })
  @IsISO8601({ strict: true, strictSeparator: true })
  @Matches(/T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/, {
    message: 'notifiedAt must be a date-time with a time zone offset',
  })
  notifiedAt!: string;

  @ApiProperty({ enum: MINOR_NOTIFICATION_METHODS })
  @IsIn(MINOR_NOTIFICATION_METHODS)
  method!: MinorNotificationMethod;
}

/** Where the sealing of one enrollment's arrest record stands, with both statutory clocks. */
export class SealingStatusDto {
  @ApiProperty({ format: 'uuid' }) enrollmentId!: string;
  @ApiProperty({ type: SealingNoticeDto, isArray: true }) notices!: SealingNoticeDto[];
  @ApiProperty({
    format: 'date-time',
    nullable: true,
    type: String,
    description: '30 days after the last acknowledgement; null until every notice is acknowledged',
  })
  minorNotificationDueAt!: string | null;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) minorNotifiedAt!:
    string | null;
  @ApiProperty({ enum: MINOR_NOTIFICATION_METHODS, nullable: true })
  minorNotificationMethod!: MinorNotificationMethod | null;
  @ApiProperty({ description: 'Due and not yet recorded' }) minorNotificationOverdue!: boolean;
}
