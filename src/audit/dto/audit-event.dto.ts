import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsISO8601, IsOptional, IsUUID, Matches } from 'class-validator';
import { PageQueryDto } from '../../common/pagination/pagination';
import type { AuditEventRow } from '../audit-events.repository';

const ACTOR_KINDS = ['user', 'client', 'system', 'anonymous'] as const;
const OUTCOMES = ['success', 'denied'] as const;
/** Actions and subject types are dotted lower-case words (`arrest_record.sealed_read`). */
const WORDS = /^[a-z][a-z0-9_.]{0,99}$/;

export class ListAuditEventsQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ example: 'arrest_record' })
  @IsOptional()
  @Matches(WORDS, { message: 'subjectType must be a subject type such as arrest_record' })
  subjectType?: string;

  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional()
  @IsUUID()
  subjectId?: string;

  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional()
  @IsUUID()
  actorId?: string;

  @ApiPropertyOptional({ example: 'arrest_record.sealed_read' })
  @IsOptional()
  @Matches(WORDS, { message: 'action must be an action such as participant.read' })
  action?: string;

  @ApiPropertyOptional({ enum: OUTCOMES })
  @IsOptional()
  @IsIn(OUTCOMES)
  outcome?: (typeof OUTCOMES)[number];

  @ApiPropertyOptional({ format: 'date-time', description: 'Entries at or after this time' })
  @IsOptional()
  @IsISO8601({ strict: true, strictSeparator: true })
  from?: string;

  @ApiPropertyOptional({ format: 'date-time', description: 'Entries before this time' })
  @IsOptional()
  @IsISO8601({ strict: true, strictSeparator: true })
  to?: string;
}

export class AuditActorDto {
  @ApiProperty({ format: 'uuid', type: String, nullable: true }) id!: string | null;
  @ApiProperty({ enum: ACTOR_KINDS }) kind!: (typeof ACTOR_KINDS)[number];
  @ApiProperty({ format: 'uuid', type: String, nullable: true }) agencyId!: string | null;
}

/**
 * One entry: who did what to which record, when, with what outcome. Never names, notes,
 * charges or secrets. `seq`, `leafHash`, `hash` and `prevHash` are null for the second or so
 * until the sequencer has placed the entry in the log.
 */
export class AuditEventDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({
    format: 'date-time',
    description: 'UTC, microseconds: exactly the text the leaf hash covers',
  })
  at!: string;
  @ApiProperty({ type: AuditActorDto }) actor!: AuditActorDto;
  @ApiProperty({ example: 'participant.read' }) action!: string;
  @ApiProperty({ example: 'participant' }) subjectType!: string;
  @ApiProperty({ format: 'uuid', type: String, nullable: true }) subjectId!: string | null;
  @ApiProperty({ enum: OUTCOMES }) outcome!: (typeof OUTCOMES)[number];
  @ApiProperty({
    type: String,
    nullable: true,
    description: 'Why a sealed record was opened (X-Access-Purpose)',
  })
  purpose!: string | null;
  @ApiProperty({ type: String, nullable: true }) requestId!: string | null;
  @ApiProperty({
    type: 'integer',

    nullable: true,
    description: 'Position in the log (the Merkle leaf index)',
  })
  seq!: number | null;
  @ApiProperty({
    type: String,
    format: 'byte',
    nullable: true,
    description: 'SHA-256(0x00 || canonical entry bytes), base64 (RFC 9162 leaf hash)',
  })
  leafHash!: string | null;
  @ApiProperty({
    type: String,
    nullable: true,
    description: 'Running chain, hex: SHA-256(prevHash || leaf hash)',
  })
  hash!: string | null;
  @ApiProperty({ type: String, nullable: true, description: 'The previous entry’s hash, hex' })
  prevHash!: string | null;

  static from(row: AuditEventRow): AuditEventDto {
    return {
      id: row.id,
      at: row.at,
      actor: {
        id: row.actorId,
        kind: row.actorKind as AuditActorDto['kind'],
        agencyId: row.actorAgencyId,
      },
      action: row.action,
      subjectType: row.subjectType,
      subjectId: row.subjectId,
      outcome: row.outcome as AuditEventDto['outcome'],
      purpose: row.purpose,
      requestId: row.requestId,
      seq: row.seq === null ? null : Number(row.seq),
      leafHash: row.leafHash?.toString('base64') ?? null,
      hash: row.chainHash?.toString('hex') ?? null,
      prevHash: row.chainHash ? (row.prevChainHash ?? Buffer.alloc(32)).toString('hex') : null,
    };
  }
}
