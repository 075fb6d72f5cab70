import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

/** How many processed event ids are remembered (oldest forgotten first). */
const PROCESSED_IDS_KEPT = 10_000;

/**
 * What this program must remember across restarts, in one JSON file:
 *
 * - `subscription`: the webhook subscription it created, with its signing secret (shown by
 *   the API only once, so it is kept here; the file is owner-only);
 * - `feedCursor`: the event feed's `nextCursor` after the last page fully processed;
 * - `processedEventIds`: the ids of events already handled, whichever way they came (webhook
 *   or feed), so that an event met twice is handled once.
 *
 * A real records system keeps these in its database, in the same transaction as the work it
 * does for an event. Writes here replace the file atomically (write, then rename), one at a
 * time, so a crash leaves the old state or the new one, never half of each.
 */
export class StateStore {
  #file;
  #state;
  #processed;
  #writing = Promise.resolve();

  constructor(file, state) {
    this.#file = file;
    this.#state = {
      subscription: state.subscription ?? null,
      feedCursor: state.feedCursor ?? null,
      processedEventIds: Array.isArray(state.processedEventIds) ? state.processedEventIds : [],
    };
    this.#processed = new Set(this.#state.processedEventIds);
  }

  static async open(file) {
    let state = {};
    try {
      state = JSON.parse(await readFile(file, 'utf8'));
    } catch (error) {
      if (error.code !== 'ENOENT') throw error;
    }
    return new StateStore(file, state);
  }

  get subscription() {
    return this.#state.subscription;
  }

  get feedCursor() {
    return this.#state.feedCursor;
  }

  isProcessed(eventId) {
    return this.#processed.has(eventId);
  }

  setSubscription(subscription) {
    this.#state.subscription = subscription;
    return this.#save();
  }

  setFeedCursor(cursor) {
    this.#state.feedCursor = cursor;
    return this.#save();
  }

  markProcessed(eventId) {
    if (this.#processed.has(eventId)) return this.#writing;
    this.#processed.add(eventId);
    const ids = this.#state.processedEventIds;
    ids.push(eventId);
    while (ids.length > PROCESSED_IDS_KEPT) this.#processed.delete(ids.shift());
    return this.#save();
  }

  /** Waits for the writes queued so far. */
  flush() {
    return this.#writing;
  }

  #save() {
    const write = async () => {
      await mkdir(dirname(this.#file), { recursive: true });
      const temporary = `${this.#file}.${process.pid}.tmp`;
      await writeFile(temporary, `${JSON.stringify(this.#state, null, 2)}\n`, { mode: 0o600 });
      await chmod(temporary, 0o600);
      await rename(temporary, this.#file);
    };
    this.#writing = this.#writing.then(write, write);
    return this.#writing;
  }
}
