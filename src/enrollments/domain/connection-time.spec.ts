import { connectedWithin24h } from './connection-time';

const at = (iso: string) => new Date(iso);

describe('24-hour rule', () => {
  const activated = at('2026-03-02T10:00:00Z');

  it('is unknown before activation', () => {
    expect(connectedWithin24h(null, null, at('2026-03-10T00:00:00Z'))).toBeNull();
  });

  it('is met when the first service comes within 24 hours, inclusive', () => {
    expect(connectedWithin24h(activated, at('2026-03-02T11:00:00Z'))).toBe(true);
    expect(connectedWithin24h(activated, at('2026-03-03T10:00:00Z'))).toBe(true);
    expect(connectedWithin24h(activated, at('2026-03-03T10:00:00.001Z'))).toBe(false);
  });

  it('is unknown while the first day runs without a service, missed after it', () => {
    expect(connectedWithin24h(activated, null, at('2026-03-03T09:59:59Z'))).toBeNull();
    expect(connectedWithin24h(activated, null, at('2026-03-03T10:00:01Z'))).toBe(false);
  });
});
