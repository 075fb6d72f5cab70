import { Logger as NestLogger } from '@nestjs/common';
import type { Logger as TypeOrmLogger } from 'typeorm';

const logger = new NestLogger('Database');

/**
 * TypeORM's own loggers print failed queries with their parameters: names, dates of birth,
 * booking numbers. This one logs what an operator needs (SQLSTATE, constraint, table) and
 * never a parameter or a row.
 */
export class SafeTypeOrmLogger implements TypeOrmLogger {
  logQuery(): void {}

  /** TypeORM passes the query and its parameters too; they are deliberately not accepted here. */
  logQueryError(error: string | Error): void {
    const pg = (typeof error === 'object' ? error : {}) as {
      code?: string;
      constraint?: string;
      table?: string;
    };
    logger.error({ sqlState: pg.code, constraint: pg.constraint, table: pg.table }, 'query failed');
  }

  logQuerySlow(time: number): void {
    logger.warn({ durationMs: time }, 'slow query');
  }

  logSchemaBuild(): void {}

  logMigration(message: string): void {
    logger.log(message);
  }

  log(level: 'log' | 'info' | 'warn', message: unknown): void {
    if (level === 'warn') logger.warn(String(message));
  }
}
