import { Global, Module } from '@nestjs/common';
import { ProgramsRepository } from './programs.repository';
import { ProgramsService } from './programs.service';

/** Program settings. Other modules read them through ProgramsService, never the table. */
@Global()
@Module({
  providers: [ProgramsRepository, ProgramsService],
  exports: [ProgramsService],
})
export class ProgramsModule {}
