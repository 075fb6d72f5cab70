import { SetMetadata } from '@nestjs/common';

export const SHOWN_ONCE_KEY = 'idempotency:shown-once';

/**
 * Response fields that exist in clear only in the first response (a new client's secret).
 * They are left out of the response stored for an Idempotency-Key, so a replay answers
 * without them and the database never holds them.
 */
export const ShownOnce = (...fields: string[]) => SetMetadata(SHOWN_ONCE_KEY, fields);
