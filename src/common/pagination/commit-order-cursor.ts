import { decodeCursor, encodeCursor, invalidCursor } from './pagination';

/**
 * Where a reader is in a table read in commit order: the (transaction id, position) of the
 * last row served. Rows are served only below the commit horizon
 * (`txid < pg_snapshot_xmin(pg_current_snapshot())`), where no transaction can add a row any
 * more, so a page never skips a row that commits late.
 */
export interface CommitOrderKey {
  txid: string;
  position: string;
}

export const COMMIT_ORDER_START: CommitOrderKey = { txid: '0', position: '0' };

const MAX_XID8 = 2n ** 64n - 1n;
const MAX_BIGINT = 2n ** 63n - 1n;

export function encodeCommitOrderCursor(key: CommitOrderKey): string {
  return encodeCursor([key.txid, key.position]);
}

/**
 * A cursor this API handed out, or 400 on `cursor`: digits only, and within the column
 * types (an out-of-range number must not reach PostgreSQL as a cast error).
 */
export function decodeCommitOrderCursor(cursor: string | undefined): CommitOrderKey {
  if (cursor === undefined) return COMMIT_ORDER_START;
  const [txid, position] = decodeCursor(cursor, 2);
  if (
    typeof txid !== 'string' ||
    typeof position !== 'string' ||
    !/^\d{1,20}$/.test(txid) ||
    !/^\d{1,19}$/.test(position) ||
    BigInt(txid) > MAX_XID8 ||
    BigInt(position) > MAX_BIGINT
  ) {
    throw invalidCursor();
  }
  return { txid, position };
}
