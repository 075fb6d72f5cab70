import { Injectable } from '@nestjs/common';
import { DEFAULT_PROGRAM_CODE, ProgramEntity } from './program.entity';
import { ProgramsRepository } from './programs.repository';

/** The program's settings (length, guardian consent, sites): the one source every computation reads. */
@Injectable()
export class ProgramsService {
  constructor(private readonly programs: ProgramsRepository) {}

  /** The program seeded by the workflow migration; its absence is a broken installation. */
  async defaultProgram(): Promise<ProgramEntity> {
    const program = await this.programs.findByCode(DEFAULT_PROGRAM_CODE);
    if (!program) throw new Error(`the default program (${DEFAULT_PROGRAM_CODE}) is missing`);
    return program;
  }

  /** The program an enrollment belongs to (a foreign key guarantees it exists). */
  async byId(id: string): Promise<ProgramEntity> {
    const program = await this.programs.findById(id);
    if (!program) throw new Error(`program ${id} is missing`);
    return program;
  }
}
