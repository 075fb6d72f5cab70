import { Injectable } from '@nestjs/common';
import { AsyncLocalStorage } from 'node:async_hooks';
import { createHash } from 'node:crypto';
import type { PoolClient } from 'pg';
import { DataSource, EntityManager, QueryFailedError, type QueryRunner } from 'typeorm';

/**
 * Distinct statement texts given a name. The hot reads have a handful of shapes (one per kind
 * of caller); a text that embedded values instead of parameters would make a new name per
 * call, so past this many the statement is sent unnamed (parsed and planned each time) rather
 * than filling every connection with statements used once.
 */
const MAX_PREPARED_TEXTS = 256;

/**
 * The one way to run a multi-row change. Work started inside `run` (at any depth, through
 * any service) sees the same transaction via `manager`, so repositories never need to be
 * handed a manager explicitly and can never query outside the transaction by mistake (which
 * on embedded PGlite would wait forever for the open transaction).
 */
@Injectable()
export class UnitOfWork {
  private readonly storage = new AsyncLocalStorage<EntityManager>();

  constructor(private readonly dataSource: DataSource) {}

  /** The current transaction's manager, or the pool's when no transaction is open. */
  get manager(): EntityManager {
    return this.storage.getStore() ?? this.dataSource.manager;
  }

  get inTransaction(): boolean {
    return this.storage.getStore() !== undefined;
  }

  /**
   * Runs a hot statement as a named prepared statement: each pooled connection parses and
   * plans it once, then only binds and executes it. For the enrollment view, planning its ten
   * correlated subqueries cost twice its execution (EXPLAIN at the medium scale: 0.23 ms to
   * plan, 0.11 ms to run). PostgreSQL re-plans on its own when a statistics or schema change
   * invalidates the plan, and keeps a custom plan where a generic one would be worse. Joins
   * the open transaction like `manager.query`, and reports to the same logger (slow queries,
   * errors, and the tests that count statements).
   */
  async queryPrepared<T>(sql: string, parameters: unknown[]): Promise<T[]> {
    const manager = this.manager;
    const runner: QueryRunner = manager.queryRunner ?? this.dataSource.createQueryRunner();
    const ownRunner = manager.queryRunner === undefined;
    const logger = this.dataSource.logger;
    try {
      const client = (await runner.connect()) as PoolClient;
      logger.logQuery(sql, parameters, runner);
      const started = performance.now();
      const name = this.statementName(sql);
      const result = await client.query(
        name ? { name, text: sql, values: parameters } : { text: sql, values: parameters },
      );
      const elapsed = performance.now() - started;
      const slow = this.dataSource.options.maxQueryExecutionTime;
      if (slow && elapsed > slow) logger.logQuerySlow(elapsed, sql, parameters, runner);
      return result.rows as T[];
    } catch (error) {
      logger.logQueryError(error as Error, sql, parameters, runner);
      throw new QueryFailedError(sql, parameters, error as Error);
    } finally {
      if (ownRunner) await runner.release();
    }
  }

  /**
   * `queryPrepared` for a statement written with named parameters (`:name`, as the predicates
   * of privacy/visibility.ts are), turned into `$n` by the driver the way the query builder
   * does it.
   */
  async queryPreparedNamed<T>(sql: string, parameters: Record<string, unknown>): Promise<T[]> {
    const [text, values] = this.dataSource.driver.escapeQueryWithParameters(sql, parameters, {});
    return this.queryPrepared<T>(text, values);
  }

  private readonly statementNames = new Map<string, string>();

  private statementName(sql: string): string | undefined {
    const known = this.statementNames.get(sql);
    if (known || this.statementNames.size >= MAX_PREPARED_TEXTS) return known;
    const name = `fs_${createHash('sha256').update(sql).digest('hex').slice(0, 24)}`;
    this.statementNames.set(sql, name);
    return name;
  }

  /** Runs `work` in a transaction, joining the caller's if one is already open. */
  async run<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    const current = this.storage.getStore();
    if (current) return work(current);
    return this.dataSource.transaction((manager) => this.storage.run(manager, () => work(manager)));
  }
}
