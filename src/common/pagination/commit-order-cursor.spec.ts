import { DomainError } from '../errors/domain-error';
import {
  COMMIT_ORDER_START,
  decodeCommitOrderCursor,
  encodeCommitOrderCursor,
} from './commit-order-cursor';
import { encodeCursor } from './pagination';

describe('commit-order cursor', () => {
  it('round-trips a key', () => {
    const key = { txid: '18446744073709551615', position: '9223372036854775807' };
    expect(decodeCommitOrderCursor(encodeCommitOrderCursor(key))).toEqual(key);
  });

  it('starts at the beginning without a cursor', () => {
    expect(decodeCommitOrderCursor(undefined)).toEqual(COMMIT_ORDER_START);
  });

  it.each([
    ['not base64 json', 'abc'],
    ['numbers instead of strings', encodeCursor([1, 2])],
    ['a transaction id past xid8', encodeCursor(['18446744073709551616', '1'])],
    ['a position past bigint', encodeCursor(['1', '9223372036854775808'])],
    ['signs', encodeCursor(['-1', '1'])],
    ['three parts', encodeCursor(['1', '2', '3'])],
  ])('refuses %s with a validation error', (_label, cursor) => {
    expect(() => decodeCommitOrderCursor(cursor)).toThrow(DomainError);
  });
});
