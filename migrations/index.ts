import { Identity1764000000000 } from './1764000000000-identity';

/**
 * Every migration, in order. Listed explicitly (not globbed) so the app, the CLI and the
 * tests run the same set whether from TypeScript sources or compiled JavaScript.
 */
export const MIGRATIONS = [Identity1764000000000];
