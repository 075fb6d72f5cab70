import { Logger } from '@nestjs/common';
import { loggableError } from '../../common/errors/loggable-error';

/**
 * Runs and failures of each job in this process since it started, by job name: what
 * `/metrics` reports (`first_step_job_runs_total`, `first_step_job_failures_total`), for the
 * loops below and for the scheduled jobs on pg-boss (scheduled-jobs.ts) alike.
 */
export const JOB_RUN_COUNTS = new Map<string, { runs: number; failures: number }>();

export function recordJobRun(name: string, failed: boolean): void {
  const counts = JOB_RUN_COUNTS.get(name) ?? { runs: 0, failures: 0 };
  counts.runs += 1;
  if (failed) counts.failures += 1;
  JOB_RUN_COUNTS.set(name, counts);
}

/**
 * Runs one background job in a loop: the next run starts `intervalMs` after the previous one
 * ended (never two at once in this process), a failing run is logged and retried at the next
 * interval, and `stop()` waits for the run in progress so shutdown never cuts a transaction.
 * `wake()` asks for the next run now instead of at the end of the interval (new work is
 * known to be waiting). Cross-instance exclusion is the job's own business (an advisory
 * lock, SKIP LOCKED).
 *
 * Only the hot loops run here: the audit sequencer (every 250 ms) and webhook dispatch and
 * delivery (every second; dispatch wakes delivery in-process when it has queued some). A job queue would add
 * a poll, a job row and its completion to every tick and could not be woken in-process, for
 * work that is already safe on any number of instances (an advisory lock for the sequencer,
 * SKIP LOCKED claims for deliveries), so running it everywhere is the point, not a risk.
 * Jobs that run on a schedule (minutes, hours) run on pg-boss instead: scheduled-jobs.ts.
 */
export class PeriodicRunner {
  private readonly logger: Logger;
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private stopped = true;
  /** A wake-up that arrived during a run: the next run follows at once. */
  private wokenWhileRunning = false;

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

  /** Runs the job as soon as possible: now if idle, right after the current run otherwise. */
  wake(): void {
    if (this.stopped) return;
    if (this.running) {
      this.wokenWhileRunning = true;
      return;
    }
    if (this.timer) clearTimeout(this.timer);
    this.schedule(0);
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.wokenWhileRunning = false;
      this.running = this.work()
        .then(
          () => recordJobRun(this.name, false),
          (error: unknown) => {
            recordJobRun(this.name, true);
            this.logger.error({ err: loggableError(error) }, 'run failed');
          },
        )
        .finally(() => {
          this.running = undefined;
          this.schedule(this.wokenWhileRunning ? 0 : this.intervalMs);
        });
    }, delayMs);
    this.timer.unref();
  }
}
