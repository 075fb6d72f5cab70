import { Module } from '@nestjs/common';
import { ArrestRecordsModule } from '../arrest-records/arrest-records.module';
import { IdentityModule } from '../identity/identity.module';
import { ParticipantsModule } from '../participants/participants.module';
import { ConsentsController } from './consents.controller';
import { ConsentsRepository } from './consents.repository';
import { ConsentsService } from './consents.service';
import { EnrollmentLifecycle } from './enrollment-lifecycle.service';
import { EnrollmentViews } from './enrollment-views';
import { EnrollmentViewsRepository } from './enrollment-views.repository';
import { EnrollmentsController } from './enrollments.controller';
import { EnrollmentsRepository } from './enrollments.repository';
import { EnrollmentsService } from './enrollments.service';
import { MilestonesController } from './milestones/milestones.controller';
import { MilestonesRepository } from './milestones/milestones.repository';
import { MilestonesService } from './milestones/milestones.service';
import { PlanProgress } from './milestones/plan-progress.service';

/**
 * The enrollment aggregate: the enrollment and its status machine, consents, extensions, and
 * its service plan (milestones and their progress). Other modules change an enrollment only
 * through what this module exports: the lifecycle (status changes), PlanProgress (what
 * attendance reports), and the repositories' named operations.
 */
@Module({
  imports: [IdentityModule, ParticipantsModule, ArrestRecordsModule],
  controllers: [EnrollmentsController, ConsentsController, MilestonesController],
  providers: [
    EnrollmentsRepository,
    ConsentsRepository,
    MilestonesRepository,
    EnrollmentViewsRepository,
    EnrollmentViews,
    EnrollmentLifecycle,
    EnrollmentsService,
    ConsentsService,
    MilestonesService,
    PlanProgress,
  ],
  exports: [
    EnrollmentsRepository,
    MilestonesRepository,
    EnrollmentLifecycle,
    EnrollmentViews,
    PlanProgress,
  ],
})
export class EnrollmentsModule {}
