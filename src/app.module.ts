import { DynamicModule, Module } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { ArrestRecordsModule } from './arrest-records/arrest-records.module';
import { AttendanceModule } from './attendance/attendance.module';
import { AuditInterceptor } from './audit/audit.interceptor';
import { AuditModule } from './audit/audit.module';
import { AppConfig } from './common/config/app-config';
import { ConfigModule } from './common/config/config.module';
import { IdempotencyInterceptor } from './common/idempotency/idempotency.interceptor';
import { IdempotencyModule } from './common/idempotency/idempotency.module';
import { CourtModule } from './court/court.module';
import { EnrollmentsModule } from './enrollments/enrollments.module';
import { EventsModule } from './events/events.module';
import { HealthModule } from './health/health.module';
import { IdentityModule } from './identity/identity.module';
import { AuditContextModule } from './infrastructure/audit-context/audit-context.module';
import { DatabaseModule } from './infrastructure/database/database.module';
import { ClockModule } from './infrastructure/clock/clock';
import { ScheduledJobsModule } from './infrastructure/jobs/scheduled-jobs';
import { LoggingModule } from './infrastructure/logging/logging.module';
import { ParticipantsModule } from './participants/participants.module';
import { ProgramsModule } from './programs/programs.module';
import { MetricsModule } from './metrics/metrics.module';
import { ReportsModule } from './reports/reports.module';
import { SealingModule } from './sealing/sealing.module';
import { WebhooksModule } from './webhooks/webhooks.module';

@Module({})
export class AppModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        LoggingModule,
        ClockModule,
        DatabaseModule,
        ScheduledJobsModule,
        AuditContextModule,
        IdempotencyModule,
        HealthModule,
        IdentityModule,
        AuditModule,
        EventsModule,
        ProgramsModule,
        ParticipantsModule,
        ArrestRecordsModule,
        EnrollmentsModule,
        AttendanceModule,
        CourtModule,
        SealingModule,
        WebhooksModule,
        ReportsModule,
        MetricsModule,
      ],
      // Order matters: the audit interceptor wraps idempotency, so a replayed response is
      // audited too, and a change's transaction (opened by the outer one) holds both.
      providers: [
        { provide: APP_INTERCEPTOR, useClass: AuditInterceptor },
        { provide: APP_INTERCEPTOR, useClass: IdempotencyInterceptor },
      ],
    };
  }
}
