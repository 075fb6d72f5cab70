import { MAX_RETRY_DELAY_MS, retryDelayMs, retryWindowOver } from './retry-schedule';

describe('retry schedule', () => {
  it('doubles the delay per attempt, within ±20% jitter', () => {
    expect(retryDelayMs(1, 1000, () => 0.5)).toBe(1000);
    expect(retryDelayMs(2, 1000, () => 0.5)).toBe(2000);
    expect(retryDelayMs(5, 1000, () => 0.5)).toBe(16000);
    expect(retryDelayMs(3, 1000, () => 0)).toBe(3200);
    expect(retryDelayMs(3, 1000, () => 0.999)).toBeLessThan(4800);
  });

  it('caps the delay at an hour', () => {
    expect(retryDelayMs(40, 5000, () => 0.5)).toBe(MAX_RETRY_DELAY_MS);
  });

  it('keeps retrying for the whole window, then gives up', () => {
    const start = new Date('2026-01-01T00:00:00Z');
    expect(retryWindowOver(start, new Date('2026-01-01T23:59:59Z'), 24)).toBe(false);
    expect(retryWindowOver(start, new Date('2026-01-02T00:00:00Z'), 24)).toBe(true);
  });

  it('retries at least 24 hours with the default 5 s base: the summed delays reach the window', () => {
    let elapsed = 0;
    let attempt = 0;
    while (elapsed < 24 * 3600 * 1000) elapsed += retryDelayMs(++attempt, 5000, () => 0);
    expect(attempt).toBeGreaterThan(20);
  });
});
