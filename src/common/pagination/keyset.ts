import { invalidCursor, type Page } from './pagination';

/**
 * Keyset pagination, one cursor format for every list: base64url of a JSON array of strings,
 * one per sort column, each typed so a cursor is validated before it reaches SQL. A forged or
 * stale-format cursor is a 400 on `cursor`, never a cast error (500) in PostgreSQL.
 */
export type KeyPart = 'timestamp' | 'date' | 'uuid' | 'text' | 'xid8' | 'bigint';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const TIMESTAMP = /^(\d{4}-\d{2}-\d{2})T(\d{2}):(\d{2}):(\d{2})\.\d{6}Z$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;
const MAX_XID8 = 2n ** 64n - 1n;
const MAX_BIGINT = 2n ** 63n - 1n;
const MAX_TEXT = 500;

/** A calendar date that exists (no 2026-02-30), in years PostgreSQL and JavaScript agree on. */
function isRealDate(text: string): boolean {
  const [year, month, day] = text.split('-').map(Number);
  if (year < 1 || year > 9999) return false;
  const date = new Date(Date.UTC(2000, month - 1, day));
  date.setUTCFullYear(year);
  return date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

function valid(kind: KeyPart, value: string): boolean {
  switch (kind) {
    case 'uuid':
      return UUID.test(value);
    case 'date':
      return DATE.test(value) && isRealDate(value);
    case 'timestamp': {
      const match = TIMESTAMP.exec(value);
      return (
        !!match &&
        isRealDate(match[1]) &&
        Number(match[2]) < 24 &&
        Number(match[3]) < 60 &&
        Number(match[4]) < 60
      );
    }
    case 'text':
      return value.length <= MAX_TEXT && !value.includes('\u0000');
    case 'xid8':
      return /^\d{1,20}$/.test(value) && BigInt(value) <= MAX_XID8;
    case 'bigint':
      return /^\d{1,19}$/.test(value) && BigInt(value) <= MAX_BIGINT;
  }
}

export class Keyset {
  constructor(readonly parts: readonly KeyPart[]) {}

  encode(values: readonly string[]): string {
    return Buffer.from(JSON.stringify(values)).toString('base64url');
  }

  /** The key after which the page starts, or undefined for the first page. */
  decode(cursor: string | undefined): string[] | undefined {
    if (cursor === undefined) return undefined;
    let key: unknown;
    try {
      key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    } catch {
      throw invalidCursor();
    }
    if (
      !Array.isArray(key) ||
      key.length !== this.parts.length ||
      !key.every((part, i) => typeof part === 'string' && valid(this.parts[i], part))
    ) {
      throw invalidCursor();
    }
    return key as string[];
  }

  /**
   * A page from rows fetched with `limit + 1`: the extra row only says there is a next page,
   * whose cursor is the key of the page's last row.
   */
  page<Row, Item>(
    rows: readonly Row[],
    limit: number,
    keyOf: (row: Row) => readonly string[],
    present: (row: Row) => Item,
  ): Page<Item> {
    const hasMore = rows.length > limit;
    const pageRows = hasMore ? rows.slice(0, limit) : rows;
    return {
      items: pageRows.map(present),
      nextCursor: hasMore ? this.encode(keyOf(pageRows[pageRows.length - 1])) : null,
    };
  }
}

/** (timestamptz, id): most lists, by creation time. */
export const TIME_ID = new Keyset(['timestamp', 'uuid']);
/** (date, id): attendance by session date. */
export const DATE_ID = new Keyset(['date', 'uuid']);
/** (text, id): lists ordered by a name. */
export const TEXT_ID = new Keyset(['text', 'uuid']);
/** (txid, position): tables read in commit order below the horizon (audit entries). */
export const COMMIT_ORDER = new Keyset(['xid8', 'bigint']);

/**
 * A timestamptz as cursor text. A JavaScript Date keeps milliseconds, PostgreSQL
 * microseconds: a cursor built from a Date would skip or repeat rows, so the timestamp travels
 * as PostgreSQL's own text and is compared back as `(column, id) > ($at::timestamptz, $id::uuid)`.
 */
export function keysetTimestampSql(column: string): string {
  return `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;
}
