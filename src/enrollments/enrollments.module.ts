import { Module } from '@nestjs/common';
import { ConsentsController } from './consents.controller';
import { ConsentsService } from './consents.service';
import { EnrollmentLifecycle } from './enrollment-lifecycle.service';
import { EnrollmentsController } from './enrollments.controller';
import { EnrollmentsRepository } from './enrollments.repository';
import { EnrollmentsService } from './enrollments.service';

/**
 * Enrollments, their consents and extensions, and the status machine. Exports the scoped
 * repository (lockVisible) and the lifecycle (transition) for modules that change an
 * enrollment's plan or status.
 */
@Module({
  controllers: [EnrollmentsController, ConsentsController],
  providers: [EnrollmentsRepository, EnrollmentLifecycle, EnrollmentsService, ConsentsService],
  exports: [EnrollmentsRepository, EnrollmentLifecycle],
})
export class EnrollmentsModule {}
