import { Module } from '@nestjs/common';
import { IdentityModule } from '../identity/identity.module';
import { ParticipantsModule } from '../participants/participants.module';
import { ArrestLocationEncryption } from './arrest-location-encryption.service';
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
  providers: [ArrestRecordsRepository, ArrestRecordsService, ArrestLocationEncryption],
  // ArrestLocationEncryption for the admin CLI's key rotation.
  exports: [ArrestRecordsRepository, ArrestLocationEncryption],
})
export class ArrestRecordsModule {}
