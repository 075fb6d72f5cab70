import { Global, Module } from '@nestjs/common';
import { DeniedRequests } from '../infrastructure/audit-context/denied-requests';
import { AuditEventsController } from './audit-events.controller';
import { AuditEventsRepository } from './audit-events.repository';
import { AuditLogRepository } from './audit-log.repository';
import { AuditLogService } from './audit-log.service';
import { AuditSigningKey } from './audit-signing-key';
import { AuditTrailService } from './audit-trail.service';
import { AuditWriter } from './audit-writer.service';
import { AuditedDeniedRequests } from './denied-requests.service';
import { AuditSequencer } from './jobs/audit-sequencer.job';

/**
 * The audit trail: writing entries (the interceptor, registered by the app module, and
 * `AuditWriter`), sequencing them into a verifiable log, and reading it. Global because the
 * access guard reports refusals through `DeniedRequests`.
 */
@Global()
@Module({
  controllers: [AuditEventsController],
  providers: [
    AuditEventsRepository,
    AuditLogRepository,
    AuditWriter,
    AuditSigningKey,
    AuditSequencer,
    AuditLogService,
    AuditTrailService,
    { provide: DeniedRequests, useClass: AuditedDeniedRequests },
  ],
  exports: [AuditWriter, AuditSequencer, DeniedRequests],
})
export class AuditModule {}
