import { Injectable } from '@nestjs/common';
import { UnitOfWork } from '../infrastructure/database/unit-of-work';
import { DEFAULT_PROGRAM_CODE, ProgramEntity } from './program.entity';

/** The program's settings (length, guardian consent, sites): the one source every computation reads. */
@Injectable()
export class ProgramsService {
  constructor(private readonly uow: UnitOfWork) {}

  async defaultProgram(): Promise<ProgramEntity> {
    return this.uow.manager
      .getRepository(ProgramEntity)
      .findOneByOrFail({ code: DEFAULT_PROGRAM_CODE });
  }

  async byId(id: string): Promise<ProgramEntity> {
    return this.uow.manager.getRepository(ProgramEntity).findOneByOrFail({ id });
  }
}
