import { Module } from '@nestjs/common';
import { EnrollmentsModule } from '../enrollments/enrollments.module';
import { ParticipantsModule } from '../participants/participants.module';
import { SealingModule } from '../sealing/sealing.module';
import { CourtController } from './court.controller';
import { CourtReviewsRepository } from './court-reviews.repository';
import { CourtService } from './court.service';

/** Court review: the queue and the completion decision (which seals, through SealingModule). */
@Module({
  imports: [EnrollmentsModule, ParticipantsModule, SealingModule],
  controllers: [CourtController],
  providers: [CourtService, CourtReviewsRepository],
})
export class CourtModule {}
