import { Module } from '@nestjs/common';
import { EnrollmentsModule } from '../enrollments/enrollments.module';
import { MilestonesController } from './milestones.controller';
import { MilestonesService } from './milestones.service';

/** The service plan: one milestone per service category of an enrollment, and its progress. */
@Module({
  imports: [EnrollmentsModule],
  controllers: [MilestonesController],
  providers: [MilestonesService],
})
export class MilestonesModule {}
