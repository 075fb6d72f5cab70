import { Logger } from '@nestjs/common';
import { PeriodicRunner } from './periodic-runner';

/** A job whose runs finish only when the test says so. */
function controllableJob() {
  const runs: (() => void)[] = [];
  const work = jest.fn(
    () =>
      new Promise<void>((resolve) => {
        runs.push(resolve);
      }),
  );
  return { work, finish: (n: number) => runs[n](), started: () => work.mock.calls.length };
}

describe('PeriodicRunner', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('starts at once, then waits the interval after each run ends', async () => {
    const job = controllableJob();
    const runner = new PeriodicRunner('test', 1000, job.work);
    runner.start();
    await jest.advanceTimersByTimeAsync(0);
    expect(job.started()).toBe(1);
    await jest.advanceTimersByTimeAsync(5000);
    expect(job.started()).toBe(1); // never two runs at once
    job.finish(0);
    await jest.advanceTimersByTimeAsync(999);
    expect(job.started()).toBe(1);
    await jest.advanceTimersByTimeAsync(1);
    expect(job.started()).toBe(2);
    job.finish(1);
    await runner.stop();
  });

  it('wake() runs an idle job now instead of at the end of the interval', async () => {
    const job = controllableJob();
    const runner = new PeriodicRunner('test', 60_000, job.work);
    runner.start();
    await jest.advanceTimersByTimeAsync(0);
    job.finish(0);
    await jest.advanceTimersByTimeAsync(10);
    expect(job.started()).toBe(1);
    runner.wake();
    await jest.advanceTimersByTimeAsync(0);
    expect(job.started()).toBe(2);
    job.finish(1);
    await runner.stop();
  });

  it('wake() during a run starts the next run right after it, not a second one alongside', async () => {
    const job = controllableJob();
    const runner = new PeriodicRunner('test', 60_000, job.work);
    runner.start();
    await jest.advanceTimersByTimeAsync(0);
    runner.wake();
    runner.wake();
    await jest.advanceTimersByTimeAsync(0);
    expect(job.started()).toBe(1);
    job.finish(0);
    await jest.advanceTimersByTimeAsync(0);
    expect(job.started()).toBe(2);
    job.finish(1);
    // That wake-up is used up: the run after waits the full interval again.
    await jest.advanceTimersByTimeAsync(59_999);
    expect(job.started()).toBe(2);
    await runner.stop();
  });

  it('logs a failed run and tries again at the next interval', async () => {
    const error = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    const work = jest.fn().mockRejectedValueOnce(new Error('boom')).mockResolvedValue(undefined);
    const runner = new PeriodicRunner('test', 1000, work);
    runner.start();
    await jest.advanceTimersByTimeAsync(0);
    expect(error).toHaveBeenCalledWith(
      expect.objectContaining({ err: expect.objectContaining({ message: 'boom' }) }),
      'run failed',
    );
    await jest.advanceTimersByTimeAsync(1000);
    expect(work).toHaveBeenCalledTimes(2);
    await runner.stop();
    error.mockRestore();
  });

  it('stop() waits for the run in progress, and nothing runs after it', async () => {
    const job = controllableJob();
    const runner = new PeriodicRunner('test', 10, job.work);
    runner.start();
    await jest.advanceTimersByTimeAsync(0);
    let stopped = false;
    const stopping = runner.stop().then(() => {
      stopped = true;
    });
    await jest.advanceTimersByTimeAsync(100);
    expect(stopped).toBe(false);
    job.finish(0);
    await stopping;
    runner.wake();
    await jest.advanceTimersByTimeAsync(1000);
    expect(job.started()).toBe(1);
  });
});
