import type { Client } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { once } from 'node:events';
import { finished } from 'node:stream/promises';
import type { Writable } from 'node:stream';

/** COPY text format: `\N` is NULL; backslash, tab, newline and carriage return are escaped. */
const SPECIAL = /[\\\t\n\r]/;
const ESCAPES: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };

export function text(value: string | null | undefined): string {
  if (value === null || value === undefined) return '\\N';
  return SPECIAL.test(value) ? value.replace(/[\\\t\n\r]/g, (c) => ESCAPES[c]) : value;
}

export function json(value: unknown): string {
  return value === null || value === undefined ? '\\N' : text(JSON.stringify(value));
}

export function num(value: number | null | undefined): string {
  return value === null || value === undefined ? '\\N' : String(value);
}

/** A PostgreSQL array literal of plain words (enum labels, scopes): no quoting needed. */
export function words(values: readonly string[]): string {
  return `{${values.join(',')}}`;
}

const FLUSH_AT = 1 << 18;

/**
 * Rows into one table through COPY ... FROM STDIN, buffered into large writes with the
 * stream's back-pressure respected. With `freeze`, the table is truncated and loaded in one
 * transaction with COPY FREEZE: rows are written frozen and all-visible, so the first reads of
 * a benchmark do not spend their time setting hint bits.
 */
export class CopyWriter {
  rows = 0;
  private parts: string[] = [];
  private size = 0;
  private stream!: Writable;

  private constructor(
    private readonly db: Client,
    readonly table: string,
    private readonly freeze: boolean,
  ) {}

  static async open(
    db: Client,
    table: string,
    columns: readonly string[],
    options: { freeze: boolean },
  ): Promise<CopyWriter> {
    const writer = new CopyWriter(db, table, options.freeze);
    if (options.freeze) {
      await db.query('BEGIN');
      await db.query(`TRUNCATE ${table}`);
    }
    const freeze = options.freeze ? ' WITH (FREEZE)' : '';
    writer.stream = db.query(copyFrom(`COPY ${table} (${columns.join(', ')}) FROM STDIN${freeze}`));
    return writer;
  }

  /** Adds one row (fields already encoded). Call `flushIfFull()` now and then. */
  row(fields: string): void {
    this.parts.push(fields, '\n');
    this.size += fields.length + 1;
    this.rows++;
  }

  get full(): boolean {
    return this.size >= FLUSH_AT;
  }

  async flush(): Promise<void> {
    if (this.parts.length === 0) return;
    const chunk = this.parts.join('');
    this.parts = [];
    this.size = 0;
    if (!this.stream.write(chunk)) await once(this.stream, 'drain');
  }

  async flushIfFull(): Promise<void> {
    if (this.size >= FLUSH_AT) await this.flush();
  }

  async close(): Promise<number> {
    await this.flush();
    this.stream.end();
    await finished(this.stream);
    if (this.freeze) await this.db.query('COMMIT');
    return this.rows;
  }
}

/** Loads `rows` (already encoded) into `table` in one COPY. */
export async function copyRows(
  db: Client,
  table: string,
  columns: readonly string[],
  rows: Iterable<string>,
): Promise<number> {
  const writer = await CopyWriter.open(db, table, columns, { freeze: true });
  for (const row of rows) {
    writer.row(row);
    if (writer.full) await writer.flush();
  }
  return writer.close();
}
