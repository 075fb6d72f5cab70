import { Global, Module } from '@nestjs/common';
import { AuditContext } from './audit-context';

/** Global: any module may annotate the current request's audit entries. */
@Global()
@Module({ providers: [AuditContext], exports: [AuditContext] })
export class AuditContextModule {}
