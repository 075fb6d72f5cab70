import { Module } from '@nestjs/common';
import { ArrestRecordsModule } from '../arrest-records/arrest-records.module';
import { EnrollmentsModule } from '../enrollments/enrollments.module';
import { MinorNoticesOverdueJob } from './jobs/minor-notices-overdue.job';
import { RetentionPurgeJob } from './jobs/retention-purge.job';
import { SealingNoticesOverdueJob } from './jobs/sealing-notices-overdue.job';
import { RetentionPurgeService } from './retention-purge.service';
import { RetentionRepository } from './retention.repository';
import { SealingNoticesRepository } from './sealing-notices.repository';
import { SealingNoticesService } from './sealing-notices.service';
import { SealingController } from './sealing.controller';
import { SealingService } from './sealing.service';

/**
 * Sealing on completion (WIC 786.5): the seal itself, the notices and their statutory clocks,
 * and the retention purge (WIC 826).
 */
@Module({
  imports: [ArrestRecordsModule, EnrollmentsModule],
  controllers: [SealingController],
  providers: [
    SealingService,
    SealingNoticesService,
    SealingNoticesRepository,
    SealingNoticesOverdueJob,
    RetentionRepository,
    RetentionPurgeService,
    RetentionPurgeJob,
    MinorNoticesOverdueJob,
  ],
  exports: [SealingService, RetentionPurgeService],
})
export class SealingModule {}
