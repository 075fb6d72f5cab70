import type { Client } from 'pg';

/**
 * Bulk loading the fast way: the keys, indexes and foreign keys of the loaded tables are
 * dropped before COPY and re-created afterwards from their own definitions (as PostgreSQL
 * prints them), which builds each index in one sort instead of row by row and checks each
 * foreign key in one join instead of one lookup per row. Re-creating them validates every
 * loaded row: a duplicate or a dangling reference fails the seed.
 *
 * Check constraints and NOT NULL stay in place and are checked during COPY.
 */
export interface Deferred {
  keys: string[];
  indexes: string[];
  foreignKeys: string[];
}

export async function deferKeysAndIndexes(
  db: Client,
  tables: readonly string[],
): Promise<Deferred> {
  const foreign = await db.query<{ tbl: string; name: string; def: string }>(
    `SELECT c.conrelid::regclass::text AS tbl, c.conname AS name, pg_get_constraintdef(c.oid) AS def
       FROM pg_constraint c
      WHERE c.contype = 'f' AND c.connamespace = 'public'::regnamespace
        AND (c.conrelid::regclass::text = ANY($1) OR c.confrelid::regclass::text = ANY($1))
      ORDER BY 1, 2`,
    [tables],
  );
  const keys = await db.query<{ tbl: string; name: string; def: string; contype: string }>(
    `SELECT c.conrelid::regclass::text AS tbl, c.conname AS name, pg_get_constraintdef(c.oid) AS def,
            c.contype::text AS contype
       FROM pg_constraint c
      WHERE c.contype IN ('p', 'u') AND c.connamespace = 'public'::regnamespace
        AND c.conrelid::regclass::text = ANY($1)
      ORDER BY c.contype, 1, 2`,
    [tables],
  );
  const indexes = await db.query<{ name: string; def: string }>(
    `SELECT i.indexname AS name, i.indexdef AS def
       FROM pg_indexes i
      WHERE i.schemaname = 'public' AND i.tablename = ANY($1)
        AND NOT EXISTS (SELECT 1 FROM pg_constraint c
                         WHERE c.conindid = (quote_ident(i.schemaname) || '.' || quote_ident(i.indexname))::regclass)
      ORDER BY 1`,
    [tables],
  );
  for (const fk of foreign.rows) {
    await db.query(`ALTER TABLE ${fk.tbl} DROP CONSTRAINT ${quote(fk.name)}`);
  }
  for (const index of indexes.rows) await db.query(`DROP INDEX ${quote(index.name)}`);
  for (const key of keys.rows) {
    await db.query(`ALTER TABLE ${key.tbl} DROP CONSTRAINT ${quote(key.name)}`);
  }
  return {
    keys: keys.rows.map((k) => `ALTER TABLE ${k.tbl} ADD CONSTRAINT ${quote(k.name)} ${k.def}`),
    indexes: indexes.rows.map((i) => i.def),
    foreignKeys: groupByTable(foreign.rows),
  };
}

/**
 * Re-creates what `deferKeysAndIndexes` dropped: keys, then indexes (these two spread over
 * the given connections: each statement builds one index), then foreign keys one table at a
 * time (adding foreign keys to tables that reference each other concurrently could deadlock).
 */
export async function restoreKeysAndIndexes(
  connections: readonly Client[],
  deferred: Deferred,
): Promise<void> {
  await inParallel(connections, biggestFirst(deferred.keys));
  await inParallel(connections, biggestFirst(deferred.indexes));
  for (const statement of deferred.foreignKeys) await connections[0].query(statement);
}

/** One ALTER TABLE per table with all its foreign keys: the table is locked once. */
function groupByTable(rows: { tbl: string; name: string; def: string }[]): string[] {
  const byTable = new Map<string, string[]>();
  for (const fk of rows) {
    byTable.set(fk.tbl, [
      ...(byTable.get(fk.tbl) ?? []),
      `ADD CONSTRAINT ${quote(fk.name)} ${fk.def}`,
    ]);
  }
  return [...byTable].map(([table, adds]) => `ALTER TABLE ${table} ${adds.join(', ')}`);
}

/** The big tables' indexes first, so the two connections finish at about the same time. */
function biggestFirst(statements: string[]): string[] {
  const weight = (s: string) => (/attendance_records|outbox_events|audit_events/.test(s) ? 0 : 1);
  return [...statements].sort((a, b) => weight(a) - weight(b));
}

async function inParallel(connections: readonly Client[], statements: readonly string[]) {
  let next = 0;
  await Promise.all(
    connections.map(async (db) => {
      while (next < statements.length) {
        const statement = statements[next++];
        await db.query(statement);
      }
    }),
  );
}

const quote = (name: string) => `"${name.replace(/"/g, '""')}"`;
