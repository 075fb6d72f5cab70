import { DomainError } from '../errors/domain-error';
import { encodeCursor } from './pagination';
import { cursorTimestampSql, decodeTimeIdCursor } from './time-id-cursor';

describe('time/id keyset cursors', () => {
  const at = '2026-03-01T10:15:30.123456Z';
  const id = '3f2b8c1e-2d4a-4b6e-9f10-0a1b2c3d4e5f';

  it('selects the timestamp to the microsecond, in UTC', () => {
    expect(cursorTimestampSql('e.created_at')).toBe(
      `to_char(e.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`,
    );
  });

  it('decodes what toPage encodes from [timestamp text, id]', () => {
    expect(decodeTimeIdCursor(encodeCursor([at, id]))).toEqual({ cursorAt: at, cursorId: id });
  });

  it.each([
    ['garbage', 'not base64 json'],
    ['millisecond timestamp', encodeCursor(['2026-03-01T10:15:30.123Z', id])],
    ['non-uuid id', encodeCursor([at, "1' OR '1'='1"])],
    ['wrong arity', encodeCursor([at])],
    ['numbers', encodeCursor([1, 2])],
  ])('refuses a %s with a 400 on cursor', (_label, cursor) => {
    expect(() => decodeTimeIdCursor(cursor)).toThrow(DomainError);
    try {
      decodeTimeIdCursor(cursor);
    } catch (error) {
      expect((error as DomainError).fieldErrors).toEqual([
        { field: 'cursor', message: expect.any(String) },
      ]);
    }
  });
});
