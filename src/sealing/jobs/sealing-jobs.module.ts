import { Module } from '@nestjs/common';
import { SealingNoticesRepository } from '../sealing-notices.repository';
import { SealingNoticesOverdueJob } from './sealing-notices-overdue.job';

/**
 * Background jobs of the sealing module. A module of their own (imported by the app module)
 * while SealingModule is being restructured; they can move into it unchanged.
 */
@Module({
  providers: [SealingNoticesRepository, SealingNoticesOverdueJob],
})
export class SealingJobsModule {}
