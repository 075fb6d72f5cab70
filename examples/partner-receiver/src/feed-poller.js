import { ApiError } from './first-step-client.js';
import { describeError, log } from './log.js';

const PAGE_SIZE = 100;

/**
 * Pages the event feed (`GET /api/v1/events?after=<cursor>`) from the cursor in the state
 * file, and hands every event to the same processor as the webhooks. The feed is the ordered,
 * complete history of what this agency may see: it catches whatever a webhook missed (this
 * program was down for more than a day, a delivery failed for good, the subscription was
 * replaced).
 *
 * The cursor is stored only after every event of the page was processed, so a crash or a
 * failure re-reads the page (at least once; the processor skips what it already did).
 */
export function startFeedPoller({ api, state, processor, intervalMs }) {
  let timer;
  let stopped = false;
  let running = Promise.resolve();

  const poll = async () => {
    try {
      let count;
      do {
        count = await pollOnePage(api, state, processor);
      } while (!stopped && count === PAGE_SIZE); // a full page: there may be more right now
    } catch (error) {
      log.warn('feed poll failed, will retry', describeError(error));
    }
    if (!stopped) {
      timer = setTimeout(() => {
        running = poll();
      }, intervalMs);
    }
  };
  running = poll();

  return {
    /** Stops polling and waits for the page in progress. */
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}

/** Processes one page; returns how many events it held. */
async function pollOnePage(api, state, processor) {
  let page;
  try {
    ({ body: page } = await api.get('/api/v1/events', {
      after: state.feedCursor ?? undefined,
      limit: PAGE_SIZE,
    }));
  } catch (error) {
    if (isRefusedCursor(error) && state.feedCursor) {
      // A cursor this server no longer accepts (e.g. an `ev1.` cursor from before the feed
      // was ordered by commit): start again from the beginning. Events already processed are
      // skipped by id, as for any repeat (docs/integration.md, "Cursor compatibility").
      log.warn('stored feed cursor refused; reading the feed again from the beginning');
      await state.setFeedCursor(null);
      return PAGE_SIZE;
    }
    throw error;
  }
  for (const event of page.items) {
    // In order; on a failure, stop here: the cursor stays before this page.
    await processor.process(event, 'feed');
  }
  if (page.nextCursor !== state.feedCursor) await state.setFeedCursor(page.nextCursor);
  return page.items.length;
}

function isRefusedCursor(error) {
  return (
    error instanceof ApiError &&
    error.status === 400 &&
    Array.isArray(error.problem?.errors) &&
    error.problem.errors.some((fieldError) => fieldError.field === 'after')
  );
}
