import { QueryFailedError } from 'typeorm';

/**
 * What of an unexpected error may go to the logs. A database error carries the failed query,
 * its parameters and the server's detail line (names, dates of birth, notes...): only its
 * SQLSTATE, constraint, table and routine are kept. Other errors keep message and stack.
 */
export function loggableError(error: unknown): Record<string, unknown> {
  if (error instanceof QueryFailedError) {
    const pg = error.driverError as {
      code?: string;
      constraint?: string;
      table?: string;
      routine?: string;
    };
    return {
      name: 'QueryFailedError',
      sqlState: pg.code,
      constraint: pg.constraint,
      table: pg.table,
      routine: pg.routine,
    };
  }
  if (error instanceof Error)
    return { name: error.name, message: error.message, stack: error.stack };
  return { name: typeof error };
}
