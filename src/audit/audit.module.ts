import { Global, Module } from '@nestjs/common';
import { AuditTrail } from './audit-trail.service';

@Global()
@Module({
  providers: [AuditTrail],
  exports: [AuditTrail],
})
export class AuditModule {}
