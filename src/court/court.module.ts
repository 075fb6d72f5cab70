import { Module } from '@nestjs/common';
import { EnrollmentsModule } from '../enrollments/enrollments.module';
import { SealingModule } from '../sealing/sealing.module';
import { CourtController } from './court.controller';
import { CourtService } from './court.service';

/** Court review: the queue and the completion decision (which seals, through SealingModule). */
@Module({
  imports: [EnrollmentsModule, SealingModule],
  controllers: [CourtController],
  providers: [CourtService],
})
export class CourtModule {}
