/**
 * The 24-hour rule (grant objectives of such programs): a minor should be connected with a
 * service within the first 24 hours after the enrollment is activated. The first `present`
 * attendance in any category is the connection.
 */
export const CONNECTION_WINDOW_MS = 24 * 60 * 60 * 1000;

/**
 * true/false once known (first service recorded, or the window passed without one); null
 * before activation and while the window is still running without a service.
 */
export function connectedWithin24h(
  activatedAt: Date | null,
  firstServiceAt: Date | null,
  now: Date = new Date(),
): boolean | null {
  if (!activatedAt) return null;
  if (firstServiceAt)
    return firstServiceAt.getTime() - activatedAt.getTime() <= CONNECTION_WINDOW_MS;
  return now.getTime() - activatedAt.getTime() > CONNECTION_WINDOW_MS ? false : null;
}
