import { DomainError } from '../common/errors/domain-error';
import { decodeFeedCursor, encodeFeedCursor, FEED_START } from './feed-cursor';

const ev2 = (text: string) => `ev2.${Buffer.from(text).toString('base64url')}`;

describe('feed cursor', () => {
  it('keeps the ev2. format partners have stored, and reads it back', () => {
    const cursor = encodeFeedCursor({ txid: '7421', position: '118' });
    expect(cursor).toBe('ev2.NzQyMToxMTg');
    expect(decodeFeedCursor(cursor)).toEqual({ txid: '7421', position: '118' });
  });

  it('reads the largest values PostgreSQL can hold', () => {
    const max = { txid: '18446744073709551615', position: '9223372036854775807' };
    expect(decodeFeedCursor(encodeFeedCursor(max))).toEqual(max);
  });

  it('reads no cursor, or an empty one, as the start of the feed', () => {
    expect(decodeFeedCursor(undefined)).toEqual(FEED_START);
    expect(decodeFeedCursor('')).toEqual(FEED_START);
  });

  it.each([
    ['garbage', 'nonsense'],
    ['another prefix', `ev1.${Buffer.from('1:2').toString('base64url')}`],
    ['an empty payload', 'ev2.'],
    ['characters outside base64url', 'ev2.MTox!Mg'],
    ['one part', ev2('12')],
    ['a negative position', ev2('1:-2')],
    ['a txid past 2^64-1', ev2('18446744073709551616:1')],
    ['a txid of 20 nines', ev2('99999999999999999999:1')],
    ['a position past 2^63-1', ev2('1:9223372036854775808')],
    ['trailing text', ev2('1:2 OR 1=1')],
    ['a Keyset cursor', Buffer.from(JSON.stringify(['1', '2'])).toString('base64url')],
  ])('refuses %s with a 400 on after', (_label, cursor) => {
    let thrown: unknown;
    try {
      decodeFeedCursor(cursor);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(DomainError);
    expect(thrown).toMatchObject({ code: 'VALIDATION_FAILED', fieldErrors: [{ field: 'after' }] });
  });
});
