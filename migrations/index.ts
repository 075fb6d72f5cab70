import { Identity1764000000000 } from './1764000000000-identity';
import { ProgramWorkflow1764000100000 } from './1764000100000-program-workflow';

/**
 * Every migration, in order. Listed explicitly (not globbed) so the app, the CLI and the
 * tests run the same set whether from TypeScript sources or compiled JavaScript.
 */
export const MIGRATIONS = [Identity1764000000000, ProgramWorkflow1764000100000];
