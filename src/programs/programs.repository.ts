import { Injectable } from '@nestjs/common';
import { UnitOfWork } from '../infrastructure/database/unit-of-work';
import { ProgramEntity } from './program.entity';

/** The `programs` table: read through the open transaction, if any (UnitOfWork). */
@Injectable()
export class ProgramsRepository {
  constructor(private readonly uow: UnitOfWork) {}

  private get programs() {
    return this.uow.manager.getRepository(ProgramEntity);
  }

  findByCode(code: string): Promise<ProgramEntity | null> {
    return this.programs.findOneBy({ code });
  }

  findById(id: string): Promise<ProgramEntity | null> {
    return this.programs.findOneBy({ id });
  }
}
