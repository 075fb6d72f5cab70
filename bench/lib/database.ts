import { Client } from 'pg';

/** The PostgreSQL server the benchmark uses unless told otherwise. */
export const DEFAULT_SERVER_URL = 'postgres://postgres@127.0.0.1:5432';

export const databaseNameFor = (scale: string): string => `first_step_bench_${scale}`;

/** The URL of `database` on the same server as `url`. */
export function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

export function databaseOf(url: string): string {
  const name = decodeURIComponent(new URL(url).pathname.replace(/^\//, ''));
  if (!name) throw new Error(`the database URL names no database: ${redact(url)}`);
  return name;
}

/** The URL without its password, for messages. */
export function redact(url: string): string {
  const parsed = new URL(url);
  if (parsed.password) parsed.password = '***';
  return parsed.toString();
}

export const quoteIdent = (name: string): string => `"${name.replace(/"/g, '""')}"`;

/** Runs `work` on a connection to the server's maintenance database (`postgres`). */
export async function withServer<T>(url: string, work: (db: Client) => Promise<T>): Promise<T> {
  const db = new Client({ connectionString: withDatabase(url, 'postgres') });
  await db.connect();
  try {
    return await work(db);
  } finally {
    await db.end();
  }
}

export async function withDatabaseClient<T>(
  url: string,
  work: (db: Client) => Promise<T>,
): Promise<T> {
  const db = new Client({ connectionString: url, application_name: 'first-step-bench' });
  await db.connect();
  try {
    return await work(db);
  } finally {
    await db.end();
  }
}

/**
 * A connection kept open during the run. Its errors are ignored rather than crashing the
 * runner: the database is dropped WITH (FORCE) at the end, which ends this connection too.
 */
export async function openClient(url: string): Promise<Client> {
  const db = new Client({ connectionString: url, application_name: 'first-step-bench' });
  db.on('error', () => undefined);
  await db.connect();
  return db;
}

export async function databaseExists(url: string): Promise<boolean> {
  const name = databaseOf(url);
  return withServer(url, async (db) => {
    const { rowCount } = await db.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    return rowCount === 1;
  });
}

export async function createDatabase(url: string): Promise<void> {
  const name = databaseOf(url);
  await withServer(url, (db) => db.query(`CREATE DATABASE ${quoteIdent(name)}`));
}

/** Drops a database the benchmark made; other sessions on it are ended first. */
export async function dropDatabase(url: string): Promise<void> {
  const name = databaseOf(url);
  await withServer(url, (db) =>
    db.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`),
  );
}

/**
 * Drops the run copies (`<template>_run_<pid>`) whose runner is gone: killed with SIGKILL, or
 * on a machine that was restarted. Copies of runners still alive are left alone.
 */
export async function dropAbandonedCopies(templateUrl: string): Promise<string[]> {
  const prefix = `${databaseOf(templateUrl)}_run_`;
  return withServer(templateUrl, async (db) => {
    const { rows } = await db.query<{ datname: string }>(
      `SELECT datname FROM pg_database WHERE starts_with(datname, $1)`,
      [prefix],
    );
    const dropped: string[] = [];
    for (const { datname } of rows) {
      const pid = Number(datname.slice(prefix.length));
      if (Number.isInteger(pid) && pid > 0 && isAlive(pid)) continue;
      await db.query(`DROP DATABASE IF EXISTS ${quoteIdent(datname)} WITH (FORCE)`);
      dropped.push(datname);
    }
    return dropped;
  });
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * A fresh copy of `templateUrl`'s database named `copyName` (file-level copy, much faster than
 * re-seeding), so each run starts from the same rows whatever earlier runs wrote.
 */
export async function copyDatabase(templateUrl: string, copyName: string): Promise<string> {
  const template = databaseOf(templateUrl);
  await withServer(templateUrl, async (db) => {
    await db.query(`DROP DATABASE IF EXISTS ${quoteIdent(copyName)} WITH (FORCE)`);
    const { rows } = await db.query<{ v: string }>(
      `SELECT current_setting('server_version_num') AS v`,
    );
    const strategy = Number(rows[0].v) >= 150000 ? ' STRATEGY = FILE_COPY' : '';
    await db.query(
      `CREATE DATABASE ${quoteIdent(copyName)} TEMPLATE ${quoteIdent(template)}${strategy}`,
    );
  });
  return withDatabase(templateUrl, copyName);
}
