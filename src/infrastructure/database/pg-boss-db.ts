import type PgBoss from 'pg-boss';
import type { Pool } from 'pg';
import type { DataSource } from 'typeorm';

/**
 * pg-boss's statements go through the app's own `pg` pool (pg-boss's `db` option) instead of
 * a pool of its own: on the embedded database a second client would interleave its protocol
 * messages with the app's on PGlite's single session (see database.module.ts), and on a
 * server it would be one more pool to size. A statement waits for a free connection like any
 * other; pg-boss never holds one across a job's run. It sends its own fixed statements only
 * (pg-boss 10.4.2's plans: fetch, complete, fail, schedule, maintenance), never the app's data.
 */
export function pgBossDb(dataSource: DataSource): PgBoss.Db {
  const pool = (dataSource.driver as unknown as { master: Pool }).master;
  return {
    executeSql: (text: string, values?: unknown[]) => pool.query(text, values),
  };
}
