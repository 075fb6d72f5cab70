import { Logger } from '@nestjs/common';
import { loggableError } from '../../common/errors/loggable-error';

/**
 * Runs one background job in a loop: the next run starts `intervalMs` after the previous one
 * ended (never two at once in this process), a failing run is logged and retried at the next
 * interval, and `stop()` waits for the run in progress so shutdown never cuts a transaction.
 * Cross-instance exclusion is the job's own business (an advisory lock, SKIP LOCKED).
 */
export class PeriodicRunner {
  private readonly logger: Logger;
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private stopped = true;

  constructor(
    readonly name: string,
    private readonly intervalMs: number,
    private readonly work: () => Promise<unknown>,
  ) {
    this.logger = new Logger(name);
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.work()
        .then(
          () => undefined,
          (error: unknown) => this.logger.error({ err: loggableError(error) }, 'run failed'),
        )
        .finally(() => {
          this.running = undefined;
          this.schedule(this.intervalMs);
        });
    }, delayMs);
    this.timer.unref();
  }
}
