import { DomainError } from '../common/errors/domain-error';
import { COMMIT_ORDER } from '../common/pagination/keyset';

/** Where a reader is in the outbox: the last (transaction id, position) it was served. */
export interface FeedPosition {
  txid: string;
  position: string;
}

export const FEED_START: FeedPosition = { txid: '0', position: '0' };

/**
 * The feed's cursor, `ev2.` + base64url("<txid>:<position>"). Partner systems store it
 * between polls, so this format is frozen: it is not the Keyset format of other lists, but
 * its two parts are checked by the same rules as a COMMIT_ORDER key (an xid8 up to 2^64-1, a
 * bigint up to 2^63-1), so nothing forged ever reaches SQL as a cast error.
 */
const PREFIX = 'ev2.';
const BASE64URL = /^[A-Za-z0-9_-]+={0,2}$/;
const PARTS = /^(\d{1,20}):(\d{1,19})$/;

export function encodeFeedCursor({ txid, position }: FeedPosition): string {
  return PREFIX + Buffer.from(`${txid}:${position}`).toString('base64url');
}

/**
 * No cursor (or `after=` left empty, as the feed always accepted) is the start of the feed;
 * anything that is not a cursor of ours is a 400 on `after`.
 */
export function decodeFeedCursor(cursor: string | undefined): FeedPosition {
  if (!cursor) return FEED_START;
  const payload = cursor.startsWith(PREFIX) ? cursor.slice(PREFIX.length) : '';
  const match = BASE64URL.test(payload)
    ? PARTS.exec(Buffer.from(payload, 'base64url').toString('utf8'))
    : null;
  if (!match || !isCommitOrderKey(match[1], match[2])) throw invalidFeedCursor();
  return { txid: match[1], position: match[2] };
}

function isCommitOrderKey(txid: string, position: string): boolean {
  try {
    COMMIT_ORDER.decode(COMMIT_ORDER.encode([txid, position]));
    return true;
  } catch {
    return false;
  }
}

function invalidFeedCursor(): DomainError {
  return new DomainError('VALIDATION_FAILED', 'The cursor is not valid', [
    { field: 'after', message: 'after must be a nextCursor returned by this feed' },
  ]);
}
