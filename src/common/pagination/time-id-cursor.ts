import { keysetTimestampSql, TIME_ID } from './keyset';

/** @see keysetTimestampSql */
export const cursorTimestampSql = keysetTimestampSql;

export interface TimeIdKey {
  cursorAt: string;
  cursorId: string;
}

/** A `TIME_ID` cursor as named SQL parameters; anything forged is a 400 on `cursor`. */
export function decodeTimeIdCursor(cursor: string): TimeIdKey {
  const [cursorAt, cursorId] = TIME_ID.decode(cursor)!;
  return { cursorAt, cursorId };
}
