import { Global, Module } from '@nestjs/common';
import { ProgramsService } from './programs.service';

@Global()
@Module({
  providers: [ProgramsService],
  exports: [ProgramsService],
})
export class ProgramsModule {}
