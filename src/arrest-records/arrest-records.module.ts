import { Module } from '@nestjs/common';
import { IdentityModule } from '../identity/identity.module';
import { ParticipantsModule } from '../participants/participants.module';
import { ArrestRecordsController } from './arrest-records.controller';
import { ArrestRecordsRepository } from './arrest-records.repository';
import { ArrestRecordsService } from './arrest-records.service';

/**
 * Arrest records. ArrestRecordsRepository is exported as the only way other modules read
 * them: it hides sealed and out-of-scope records.
 */
@Module({
  imports: [IdentityModule, ParticipantsModule],
  controllers: [ArrestRecordsController],
  providers: [ArrestRecordsRepository, ArrestRecordsService],
  exports: [ArrestRecordsRepository],
})
export class ArrestRecordsModule {}
