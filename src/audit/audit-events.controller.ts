import { Controller, Get, Param, ParseUUIDPipe, Query, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { withContentEtag } from '../common/http/etag';
import { ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { PageDto } from '../common/pagination/page.dto';
import type { Page } from '../common/pagination/pagination';
import { Public, Roles, Scopes } from '../identity/access/access-policy.decorators';
import { Audited, NotAudited } from '../infrastructure/audit-context/audited.decorator';
import { AuditLogService, VerifyResult } from './audit-log.service';
import { AuditTrailService } from './audit-trail.service';
import { AuditEventDto, ListAuditEventsQueryDto } from './dto/audit-event.dto';
import {
  AuditPublicKeyDto,
  CheckpointDto,
  ConsistencyProofDto,
  ConsistencyQueryDto,
  InclusionProofDto,
  InclusionQueryDto,
  VerifyResultDto,
} from './dto/audit-log.dto';

/**
 * The audit trail, for auditors and admins: entries, and the proofs that the log only grew.
 * Checkpoints and consistency proofs are also open to partner systems (`events:read`), so
 * they can keep checkpoints and act as witnesses. Every read of the trail is itself audited.
 */
@ApiTags('audit')
@Controller('audit-events')
export class AuditEventsController {
  constructor(
    private readonly trail: AuditTrailService,
    private readonly log: AuditLogService,
  ) {}

  @Get()
  @Roles('auditor', 'admin')
  @Audited({ action: 'audit_event.listed', subject: 'audit_log', id: 'none' })
  @ApiOperation({ summary: 'List audit entries in log order, filtered' })
  @ApiOkResponse({ type: PageDto(AuditEventDto) })
  list(@Query() query: ListAuditEventsQueryDto): Promise<Page<AuditEventDto>> {
    return this.trail.list(query);
  }

  @Get('verify')
  @Roles('auditor', 'admin')
  @Audited({ action: 'audit_log.verified', subject: 'audit_log', id: 'none' })
  @ApiOperation({ summary: 'Recompute the whole log and check every checkpoint' })
  @ApiOkResponse({ type: VerifyResultDto })
  verify(): Promise<VerifyResult> {
    return this.log.verify();
  }

  @Get('checkpoint')
  @Roles('auditor', 'admin')
  @Scopes('events:read')
  @Audited({ action: 'audit_log.checkpoint_read', subject: 'audit_log', id: 'none' })
  @ApiOperation({ summary: 'The latest signed checkpoint (C2SP tlog-checkpoint, Ed25519)' })
  @ApiOkResponse({ type: CheckpointDto })
  @ApiNotFoundResponse({ description: 'No checkpoint signed yet' })
  checkpoint(): Promise<CheckpointDto> {
    return this.trail.checkpoint();
  }

  @Get('public-key')
  @Public()
  @NotAudited('The public verification key: no data, meant for anyone to pin')
  @ApiOperation({ summary: 'The key that verifies checkpoints (no authentication)' })
  @ApiOkResponse({ type: AuditPublicKeyDto })
  publicKey(): AuditPublicKeyDto {
    return this.trail.publicKey();
  }

  @Get('consistency')
  @Roles('auditor', 'admin')
  @Scopes('events:read')
  @Audited({ action: 'audit_log.consistency_proof', subject: 'audit_log', id: 'none' })
  @ApiOperation({ summary: 'RFC 9162 consistency proof between two tree sizes' })
  @ApiOkResponse({ type: ConsistencyProofDto })
  @ApiNotFoundResponse({ description: 'A tree size beyond the log' })
  consistency(@Query() query: ConsistencyQueryDto): Promise<ConsistencyProofDto> {
    return this.log.consistency(query.from, query.to);
  }

  @Get(':id/inclusion')
  @Roles('auditor', 'admin')
  @Audited({ action: 'audit_event.inclusion_proof', subject: 'audit_event', id: { param: 'id' } })
  @ApiOperation({ summary: 'RFC 9162 inclusion proof of one entry' })
  @ApiOkResponse({
    type: InclusionProofDto,
    headers: {
      ETag: { description: 'Strong tag of the proof (a digest)', schema: { type: 'string' } },
    },
  })
  @ApiNotFoundResponse({ description: 'No such entry in the log (yet)' })
  async inclusion(
    @Param('id', ParseUUIDPipe) id: string,
    @Query() query: InclusionQueryDto,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<InclusionProofDto> {
    const proof = await this.log.inclusion(id, query.treeSize);
    return withContentEtag(reply, { ...proof, entry: AuditEventDto.from(proof.entry) });
  }
}
