import { types } from 'pg';
import type { DataSourceOptions } from 'typeorm';
import { ENTITIES } from './entities';
import { SafeTypeOrmLogger } from './safe-typeorm-logger';
import { MIGRATIONS } from '../../../migrations';

// Calendar dates stay 'YYYY-MM-DD' strings: parsing them into Date objects at local
// midnight shifts days across time zones.
types.setTypeParser(types.builtins.DATE, (value) => value);

export type DatabaseEndpoint =
  | { kind: 'server'; url: string; poolSize: number }
  | { kind: 'embedded'; host: string; port: number; poolSize: number };

/**
 * The single definition of how the app (and the migration CLI) talks to PostgreSQL.
 * `synchronize` is off everywhere: the schema is only ever changed by reviewed migrations.
 */
export function dataSourceOptions(endpoint: DatabaseEndpoint): DataSourceOptions {
  const connection =
    endpoint.kind === 'server'
      ? { url: endpoint.url }
      : { host: endpoint.host, port: endpoint.port, username: 'postgres', password: 'postgres' };
  // No JIT compilation for this OLTP workload: on a large table the planner's cost estimates
  // cross jit_above_cost and compiling takes longer than the query (search: 442 ms with JIT,
  // 162 ms without, measured at the benchmark's large scale). PGlite has no JIT to turn off.
  const serverOptions = endpoint.kind === 'server' ? { options: '-c jit=off' } : {};
  return {
    type: 'postgres',
    ...connection,
    poolSize: endpoint.poolSize,
    entities: ENTITIES,
    migrations: MIGRATIONS,
    migrationsTableName: 'schema_migrations',
    migrationsTransactionMode: 'each',
    synchronize: false,
    // gen_random_uuid() is built into PostgreSQL 13+ and PGlite; no extension needed.
    uuidExtension: 'pgcrypto',
    installExtensions: false,
    logging: ['error', 'migration', 'warn'],
    logger: new SafeTypeOrmLogger(),
    maxQueryExecutionTime: 1000,
    extra: { application_name: 'first-step-api', ...serverOptions },
  };
}
