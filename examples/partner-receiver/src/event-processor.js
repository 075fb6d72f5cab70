import { ApiError } from './first-step-client.js';
import { describeError, log } from './log.js';
import { sealLocalCopy } from './records-system.js';

/** A failure that retrying the same event will not fix: logged for a person, then skipped. */
class PermanentFailure extends Error {
  constructor(message, cause) {
    super(message, { cause });
    this.name = 'PermanentFailure';
  }
}

/**
 * Handles each First Step event once, whether it arrives by webhook, by the feed, or both.
 *
 * Delivery is at least once on both paths, and the same event has the same id on both (the
 * webhook's `webhook-id` is the event id). So: an event whose id is recorded as processed is
 * skipped; one being processed right now is awaited rather than started again; and the id is
 * recorded only after the work succeeded, so a failure is retried by whichever path brings the
 * event next. The work itself is idempotent too (the acknowledgement carries an
 * Idempotency-Key), which covers a crash between doing it and recording it.
 */
export class EventProcessor {
  #api;
  #state;
  #inFlight = new Map();

  constructor({ api, state }) {
    this.#api = api;
    this.#state = state;
  }

  /**
   * @param {{ id: string, type: string, data: Record<string, unknown> }} event
   * @param {'webhook' | 'feed'} via
   * @returns {Promise<void>} resolves once handled (or skipped); rejects on a transient failure
   */
  process(event, via) {
    if (this.#state.isProcessed(event.id)) return Promise.resolve();
    let running = this.#inFlight.get(event.id);
    if (!running) {
      running = this.#handle(event, via).finally(() => this.#inFlight.delete(event.id));
      this.#inFlight.set(event.id, running);
    }
    return running;
  }

  /** Waits for the events being handled now (graceful shutdown). */
  async drain() {
    await Promise.allSettled([...this.#inFlight.values()]);
  }

  async #handle(event, via) {
    try {
      switch (event.type) {
        case 'arrest_record.sealed':
          await this.#sealAndAcknowledge(event);
          break;
        case 'sealing_notice.acknowledged':
          log.info('sealing notice acknowledgement recorded by First Step', {
            eventId: event.id,
            sealingNoticeId: event.data.sealingNoticeId,
          });
          break;
        case 'sealing_notice.overdue':
          // The 60 days of WIC 786.5 have passed and this agency has not confirmed: a person
          // must look at it. (The notice itself is still acknowledged as soon as it is sealed.)
          log.warn('sealing notice overdue', {
            eventId: event.id,
            sealingNoticeId: event.data.sealingNoticeId,
            dueAt: event.data.dueAt,
          });
          break;
        default:
          log.info('event type not handled here', { eventId: event.id, type: event.type });
      }
    } catch (error) {
      if (!(error instanceof PermanentFailure)) throw error;
      log.error('event needs attention, skipped', {
        eventId: event.id,
        type: event.type,
        ...describeError(error.cause),
      });
    }
    await this.#state.markProcessed(event.id);
    log.info('event processed', { eventId: event.id, type: event.type, via });
  }

  async #sealAndAcknowledge(event) {
    const { arrestRecordId, sealingNoticeId } = event.data;
    if (typeof sealingNoticeId !== 'string' || typeof arrestRecordId !== 'string') {
      throw new PermanentFailure('arrest_record.sealed without the ids it must carry');
    }
    const { reference } = await sealLocalCopy({ arrestRecordId, sealingNoticeId });
    try {
      // The same key for the same notice, from either path and after any restart: a repeat
      // replays the first answer (200, Idempotent-Replayed: true) instead of acting twice.
      await this.#api.post(
        `/api/v1/sealing-notices/${sealingNoticeId}/ack`,
        { reference },
        { idempotencyKey: `ack-${sealingNoticeId}` },
      );
      log.info('sealing notice acknowledged', { eventId: event.id, sealingNoticeId });
    } catch (error) {
      if (error instanceof ApiError && error.is('sealing-notice-already-acknowledged')) {
        log.info('sealing notice was already acknowledged', { eventId: event.id, sealingNoticeId });
        return;
      }
      if (error instanceof ApiError && [400, 404, 422].includes(error.status)) {
        // Not a notice addressed to this agency (404), or a request the API will never accept:
        // retrying cannot help. Anything else (5xx, 429, a 409 while the same key is in flight,
        // a 401/403 until an administrator fixes the client) is retried by the next delivery.
        throw new PermanentFailure('acknowledgement refused', error);
      }
      throw error;
    }
  }
}
