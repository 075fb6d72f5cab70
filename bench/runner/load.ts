import autocannon from 'autocannon';

/** What one scenario sends: a fixed request, or one built per request (random ids, unique keys). */
export interface LoadSpec {
  /** Several URLs: autocannon spreads the connections over them (several app instances). */
  url: string | string[];
  connections: number;
  /** Seconds; the run may end earlier when `maxRequests` are done. */
  duration: number;
  method?: 'GET' | 'POST';
  path: string;
  headers?: Record<string, string>;
  /** Builds each request; returns the path and body to send. */
  next?: () => { path: string; body?: string };
  /** Judges a 2xx answer: false counts it as a bad answer (an error). */
  check?: (status: number, body: string) => boolean;
  /** At most this many requests in all (distinct resources that each request consumes). */
  maxRequests?: number;
}

export interface LoadResult {
  /** Responses received in the measured time. */
  requests: number;
  /** Requests sent (those still unanswered when the time was up are dropped). */
  sent: number;
  seconds: number;
  rps: number;
  /** Exact percentiles of the response times (ms), from every response. */
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
  non2xx: number;
  /** Socket errors and timeouts. */
  socketErrors: number;
  /** 2xx answers whose body did not say what the scenario expects. */
  badBodies: number;
  statusCodes: Record<string, number>;
}

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank];
}

const round = (ms: number) => Math.round(ms * 100) / 100;

let active: autocannon.Instance | null = null;

/** Stops the load being generated, if any (on Ctrl-C, before the servers are stopped). */
export function stopActiveLoad(): void {
  active?.stop();
  active = null;
}

/** One autocannon run in this (the runner's) process: never in a server's process. */
export async function runLoad(spec: LoadSpec): Promise<LoadResult> {
  const times: number[] = [];
  let badBodies = 0;
  const headers = { ...(spec.headers ?? {}) };
  if (spec.method === 'POST') headers['content-type'] ??= 'application/json';
  const request: autocannon.Request = {
    method: spec.method ?? 'GET',
    path: spec.path,
    headers,
  };
  if (spec.next) {
    const next = spec.next;
    request.setupRequest = (req) => {
      const built = next();
      req.path = built.path;
      if (built.body !== undefined) req.body = built.body;
      return req;
    };
  }
  if (spec.check) {
    const check = spec.check;
    request.onResponse = (status, body) => {
      if (status >= 200 && status < 300 && !safeCheck(() => check(status, body))) badBodies++;
    };
  }
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(
      {
        // autocannon accepts a list of URLs (lib/url.js ofURL); its types say only string.
        url: spec.url as string,
        connections: spec.connections,
        duration: spec.duration,
        timeout: 30,
        requests: [request],
        ...(spec.maxRequests !== undefined ? { maxOverallRequests: spec.maxRequests } : {}),
      },
      (error: unknown, done: autocannon.Result) => {
        if (error) reject(error instanceof Error ? error : new Error(JSON.stringify(error)));
        else resolve(done);
      },
    );
    instance.on('response', (_client, _status, _bytes, responseTime) => {
      times.push(responseTime);
    });
    active = instance;
  });
  active = null;
  times.sort((a, b) => a - b);
  const total = times.reduce((sum, t) => sum + t, 0);
  const statusCodes: Record<string, number> = {};
  for (const [code, stat] of Object.entries(result.statusCodeStats ?? {})) {
    statusCodes[code] = stat.count ?? 0;
  }
  return {
    requests: times.length,
    sent: result.requests.sent,
    seconds: result.duration,
    rps: result.duration > 0 ? Math.round((times.length / result.duration) * 10) / 10 : 0,
    p50: round(percentile(times, 50)),
    p90: round(percentile(times, 90)),
    p99: round(percentile(times, 99)),
    max: round(times[times.length - 1] ?? NaN),
    mean: round(times.length > 0 ? total / times.length : NaN),
    non2xx: result.non2xx,
    socketErrors: result.errors,
    badBodies,
    statusCodes,
  };
}

function safeCheck(check: () => boolean): boolean {
  try {
    return check();
  } catch {
    return false;
  }
}
