import { DomainError } from '../errors/domain-error';
import { decodeCursor } from './pagination';

/**
 * Keyset cursors on `(timestamptz, uuid)`. A JavaScript Date keeps milliseconds only, while
 * PostgreSQL keeps microseconds: a cursor built from a Date would skip or repeat rows. So the
 * timestamp travels as the exact text PostgreSQL gives (`cursorTimestampSql`), and is compared
 * back as `(column, id) > (:cursorAt::timestamptz, :cursorId::uuid)`.
 */
export function cursorTimestampSql(column: string): string {
  return `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;
}

const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface TimeIdKey {
  cursorAt: string;
  cursorId: string;
}

/** Decodes a cursor `toPage` made from `[cursorTimestampSql(...), id]`; anything else is a 400 on `cursor`. */
export function decodeTimeIdCursor(cursor: string): TimeIdKey {
  const [at, id] = decodeCursor(cursor, 2);
  if (typeof at !== 'string' || typeof id !== 'string' || !TIMESTAMP.test(at) || !UUID.test(id)) {
    throw new DomainError('VALIDATION_FAILED', 'The cursor is not valid', [
      { field: 'cursor', message: 'cursor must be a value returned as nextCursor' },
    ]);
  }
  return { cursorAt: at, cursorId: id };
}
