import { DomainError } from '../errors/domain-error';
import { COMMIT_ORDER, DATE_ID, Keyset, TEXT_ID, TIME_ID } from './keyset';

const forged = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const UUID = '0f8e1c3a-5b7d-4e2f-8a9c-1d3e5f7a9b0c';

describe('Keyset', () => {
  it('round-trips a key of each kind', () => {
    const cases: [Keyset, string[]][] = [
      [TIME_ID, ['2026-11-29T12:00:00.123456Z', UUID]],
      [DATE_ID, ['2024-02-29', UUID]],
      [TEXT_ID, ['Saving Innocence', UUID]],
      [COMMIT_ORDER, ['18446744073709551615', '9223372036854775807']],
    ];
    for (const [keyset, key] of cases) expect(keyset.decode(keyset.encode(key))).toEqual(key);
  });

  it('reads no cursor as the first page', () => {
    expect(TIME_ID.decode(undefined)).toBeUndefined();
  });

  it.each([
    ['not base64 JSON', TIME_ID, 'abc'],
    ['an object', TIME_ID, forged({ at: 1 })],
    ['numbers', TIME_ID, forged([1, 2])],
    ['too few parts', TIME_ID, forged([UUID])],
    ['a timestamp that does not exist', TIME_ID, forged(['2026-02-30T12:00:00.000000Z', UUID])],
    ['an hour out of range', TIME_ID, forged(['2026-01-01T24:00:00.000000Z', UUID])],
    ['year 0', TIME_ID, forged(['0000-01-01T00:00:00.000000Z', UUID])],
    ['milliseconds only', TIME_ID, forged(['2026-01-01T00:00:00.000Z', UUID])],
    ['not a uuid', TIME_ID, forged(['2026-01-01T00:00:00.000000Z', "x' OR 1=1 --"])],
    ['a date that does not exist', DATE_ID, forged(['2025-02-29', UUID])],
    ['a NUL byte', TEXT_ID, forged(['a\u0000b', UUID])],
    ['text too long', TEXT_ID, forged(['x'.repeat(501), UUID])],
    ['an xid past 2^64', COMMIT_ORDER, forged(['18446744073709551616', '1'])],
    ['a position past 2^63', COMMIT_ORDER, forged(['1', '9223372036854775808'])],
    ['a negative number', COMMIT_ORDER, forged(['-1', '1'])],
  ])('refuses %s with a 400 on cursor', (_label, keyset, cursor) => {
    let thrown: unknown;
    try {
      keyset.decode(cursor);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(DomainError);
    expect(thrown).toMatchObject({ code: 'VALIDATION_FAILED', fieldErrors: [{ field: 'cursor' }] });
  });

  it('pages rows fetched with limit + 1', () => {
    const rows = [1, 2, 3].map((n) => ({ n, at: `2026-01-0${n}T00:00:00.000000Z`, id: UUID }));
    const page = TIME_ID.page(
      rows,
      2,
      (r) => [r.at, r.id],
      (r) => r.n,
    );
    expect(page.items).toEqual([1, 2]);
    expect(TIME_ID.decode(page.nextCursor!)).toEqual(['2026-01-02T00:00:00.000000Z', UUID]);
    expect(
      TIME_ID.page(
        rows,
        3,
        (r) => [r.at, r.id],
        (r) => r.n,
      ).nextCursor,
    ).toBeNull();
  });
});
