import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Min } from 'class-validator';
import { AuditEventDto } from './audit-event.dto';

export class InclusionQueryDto {
  @ApiPropertyOptional({
    type: 'integer',
    minimum: 1,
    description: 'Size of the tree to prove against (default: the latest checkpoint)',
  })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  treeSize?: number;
}

export class ConsistencyQueryDto {
  @ApiProperty({
    type: 'integer',
    minimum: 1,
    description: 'The older tree size (e.g. of a checkpoint you kept)',
  })
  @Type(() => Number)
  @IsInt()
  @Min(1)
  from!: number;

  @ApiPropertyOptional({
    type: 'integer',
    minimum: 1,
    description: 'The newer tree size (default: latest checkpoint)',
  })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  to?: number;
}

/** RFC 9162 section 2.1.3 inclusion proof, with the entry it proves. */
export class InclusionProofDto {
  @ApiProperty({ type: 'integer' }) leafIndex!: number;
  @ApiProperty({ type: 'integer' }) treeSize!: number;
  @ApiProperty({ format: 'byte' }) leafHash!: string;
  @ApiProperty({ type: String, format: 'byte', isArray: true }) hashes!: string[];
  @ApiProperty({ type: AuditEventDto }) entry!: AuditEventDto;
}

/** RFC 9162 section 2.1.4 consistency proof. */
export class ConsistencyProofDto {
  @ApiProperty({ type: 'integer' }) fromSize!: number;
  @ApiProperty({ type: 'integer' }) toSize!: number;
  @ApiProperty({ type: String, format: 'byte', isArray: true }) hashes!: string[];
}

/** The latest signed checkpoint; `note` is the C2SP signed note the other fields come from. */
export class CheckpointDto {
  @ApiProperty({ example: 'first-step.local/audit-log' }) origin!: string;
  @ApiProperty({ type: 'integer' }) treeSize!: number;
  @ApiProperty({ format: 'byte' }) rootHash!: string;
  @ApiProperty({ format: 'date-time' }) signedAt!: string;
  @ApiProperty({ format: 'byte', description: 'base64(4-byte key hash || Ed25519 signature)' })
  signature!: string;
  @ApiProperty({ example: '1a2b3c4d', description: 'The key hash, hex (as in the verifier key)' })
  keyId!: string;
  @ApiProperty({ description: 'C2SP tlog-checkpoint body, blank line, signature line' })
  note!: string;
}

export class AuditPublicKeyDto {
  @ApiProperty() origin!: string;
  @ApiProperty() keyId!: string;
  @ApiProperty({ example: 'Ed25519' }) algorithm!: string;
  @ApiProperty({ description: 'SPKI PEM' }) publicKeyPem!: string;
  @ApiProperty({ description: 'C2SP note verifier key: <name>+<key hash>+<base64 key>' })
  noteVerifier!: string;
}

export class VerifyResultDto {
  @ApiProperty() valid!: boolean;
  @ApiPropertyOptional({ type: 'integer', description: 'Entries verified (valid only)' })
  entries?: number;
  @ApiPropertyOptional({ type: 'integer' }) treeSize?: number;
  @ApiPropertyOptional({ format: 'byte' }) rootHash?: string;
  @ApiPropertyOptional({
    type: String,
    nullable: true,
    format: 'uuid',
    description: 'The first entry found broken (invalid only)',
  })
  firstBrokenId?: string | null;
  @ApiPropertyOptional({ description: 'Why the log does not verify (invalid only)' })
  reason?: string;
}
