import { Module } from '@nestjs/common';
import { ParticipantsController } from './participants.controller';
import { ParticipantsRepository } from './participants.repository';
import { ParticipantsService } from './participants.service';

/** Registration, search and scoped reads of participants; the repository is the one read path. */
@Module({
  controllers: [ParticipantsController],
  providers: [ParticipantsRepository, ParticipantsService],
  exports: [ParticipantsRepository],
})
export class ParticipantsModule {}
