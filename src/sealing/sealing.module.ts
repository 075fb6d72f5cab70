import { Module } from '@nestjs/common';
import { SealingNoticesService } from './sealing-notices.service';
import { SealingController } from './sealing.controller';
import { SealingService } from './sealing.service';

/** Sealing on completion (WIC 786.5): the seal itself, the notices and their statutory clocks. */
@Module({
  controllers: [SealingController],
  providers: [SealingService, SealingNoticesService],
  exports: [SealingService],
})
export class SealingModule {}
