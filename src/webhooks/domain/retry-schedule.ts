/** Longest wait between two attempts. */
export const MAX_RETRY_DELAY_MS = 60 * 60 * 1000;

/**
 * Exponential backoff with jitter: base * 2^(attempt-1), capped at an hour, then scaled by a
 * random factor in [0.8, 1.2) so many failing receivers do not retry in lockstep.
 */
export function retryDelayMs(
  attempt: number,
  baseMs: number,
  random: () => number = Math.random,
): number {
  const exponential = Math.min(baseMs * 2 ** Math.max(0, attempt - 1), MAX_RETRY_DELAY_MS);
  return Math.round(exponential * (0.8 + 0.4 * random()));
}

/** A delivery is retried for at least the window after it was created, then marked failed. */
export function retryWindowOver(createdAt: Date, now: Date, windowHours: number): boolean {
  return now.getTime() - createdAt.getTime() >= windowHours * 3600 * 1000;
}
