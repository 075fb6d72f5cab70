import type { AppConfig } from '../../common/config/app-config';
import { CallerRateLimiter } from './caller-rate-limit';

const limiter = (limit: number) =>
  new CallerRateLimiter({ rateLimitPerMinute: limit } as unknown as AppConfig);

describe('CallerRateLimiter', () => {
  it('allows `limit` requests per caller per minute, then says when to retry', () => {
    const l = limiter(3);
    const alice = { kind: 'user' as const, id: 'a' };
    const t0 = 1_000_000;
    expect([l.take(alice, t0), l.take(alice, t0), l.take(alice, t0)]).toEqual([null, null, null]);
    expect(l.take(alice, t0 + 15_000)).toEqual({ retryAfterSeconds: 45 });
    // A new window after the minute.
    expect(l.take(alice, t0 + 60_000)).toBeNull();
  });

  it('counts each caller on its own: a user and a client with one id do not share', () => {
    const l = limiter(1);
    expect(l.take({ kind: 'user', id: 'x' }, 0)).toBeNull();
    expect(l.take({ kind: 'client', id: 'x' }, 0)).toBeNull();
    expect(l.take({ kind: 'user', id: 'y' }, 0)).toBeNull();
    expect(l.take({ kind: 'user', id: 'x' }, 0)).toEqual({ retryAfterSeconds: 60 });
  });
});
