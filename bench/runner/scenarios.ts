import { Prng } from '../lib/prng';
import type { Fixtures } from './fixtures';
import type { LoadSpec } from './load';

/** Which server a scenario loads. */
export type Server = 'app' | 'baseline' | 'pglite';

export interface Scenario {
  name: string;
  /** What it measures, for the table and docs/performance.md. */
  title: string;
  server: Server;
  /** A short unmeasured run first (JIT, caches, pool). Not for scenarios that consume rows. */
  warmup: boolean;
  /** Records each request carries (the batch): reported as records/s too. */
  recordsPerRequest?: number;
  spec: (ctx: ScenarioContext) => Omit<LoadSpec, 'url' | 'duration'>;
  /** Why it cannot run here, or null. */
  unavailable?: (ctx: ScenarioContext) => string | null;
}

export interface ScenarioContext {
  fixtures: Fixtures;
  tokens: { coordinator: string; provider: string; court: string; eventsClient: string };
  connections: number;
  /** Unique per run: externalIds and court order numbers never collide across runs. */
  runTag: string;
  /** The outcomes report route and the token that may read it, when the app has one. */
  outcomes: { token: string } | null;
  pglite?: { token: string; enrollmentIds: string[] };
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const json = (body: string) => JSON.parse(body) as Record<string, unknown>;
const itemCount = (body: string) => (json(body).items as unknown[]).length;

/** A day in [first, last] (YYYY-MM-DD), both inclusive. */
function dayBetween(prng: Prng, first: string, last: string): string {
  const a = Date.parse(`${first}T00:00:00Z`);
  const b = Date.parse(`${last}T00:00:00Z`);
  const days = Math.max(0, Math.round((b - a) / 86_400_000));
  return new Date(a + prng.int(0, days) * 86_400_000).toISOString().slice(0, 10);
}

function randomFrom<T>(items: readonly T[], seed: number): () => T {
  const prng = new Prng(seed);
  return () => items[prng.int(0, items.length - 1)];
}

export const BATCH_SIZE = 1000;

export const SCENARIOS: Scenario[] = [
  {
    name: 'baseline',
    title: 'Baseline: bare Fastify + pg, SELECT * FROM enrollments WHERE id = $1',
    server: 'baseline',
    warmup: true,
    spec: (ctx) => {
      const id = randomFrom(ctx.fixtures.providerEnrollmentIds, 1);
      return {
        connections: ctx.connections,
        path: '/enrollments/x',
        next: () => ({ path: `/enrollments/${id()}` }),
        check: (status) => status === 200,
      };
    },
  },
  {
    name: 'live',
    title: 'GET /health/live: the framework floor (Nest, Fastify, guards; no database)',
    server: 'app',
    warmup: true,
    spec: (ctx) => ({ connections: ctx.connections, path: '/health/live' }),
  },
  {
    name: 'enrollment-get',
    title: 'GET /api/v1/enrollments/:id as a provider (ids it may see)',
    server: 'app',
    warmup: true,
    spec: (ctx) => {
      const id = randomFrom(ctx.fixtures.providerEnrollmentIds, 1);
      return {
        connections: ctx.connections,
        path: '/api/v1/enrollments/x',
        headers: bearer(ctx.tokens.provider),
        next: () => ({ path: `/api/v1/enrollments/${id()}` }),
      };
    },
  },
  {
    name: 'enrollments-list',
    title: 'GET /api/v1/enrollments?limit=50 as a coordinator, first page',
    server: 'app',
    warmup: true,
    spec: (ctx) => ({
      connections: ctx.connections,
      path: '/api/v1/enrollments?limit=50',
      headers: bearer(ctx.tokens.coordinator),
      check: (_status, body) => itemCount(body) === 50,
    }),
  },
  {
    name: 'enrollments-deep',
    title: 'GET /api/v1/enrollments?limit=50&cursor= past 90% of the rows',
    server: 'app',
    warmup: true,
    spec: (ctx) => ({
      connections: ctx.connections,
      path: `/api/v1/enrollments?limit=50&cursor=${ctx.fixtures.deepCursor}`,
      headers: bearer(ctx.tokens.coordinator),
      check: (_status, body) => itemCount(body) > 0,
    }),
  },
  {
    name: 'search-name',
    title: 'GET /api/v1/participants?search=<3-letter name prefix> as a coordinator',
    server: 'app',
    warmup: true,
    spec: (ctx) => {
      const prefix = randomFrom(ctx.fixtures.namePrefixes, 2);
      return {
        connections: ctx.connections,
        path: '/api/v1/participants?search=x',
        headers: bearer(ctx.tokens.coordinator),
        next: () => ({
          path: `/api/v1/participants?limit=50&search=${encodeURIComponent(prefix())}`,
        }),
        check: (_status, body) => itemCount(body) > 0,
      };
    },
  },
  {
    name: 'search-case',
    title: 'GET /api/v1/participants?search=<case number> as a coordinator',
    server: 'app',
    warmup: true,
    spec: (ctx) => {
      const caseNumber = randomFrom(ctx.fixtures.caseNumbers, 3);
      return {
        connections: ctx.connections,
        path: '/api/v1/participants?search=x',
        headers: bearer(ctx.tokens.coordinator),
        next: () => ({ path: `/api/v1/participants?search=${caseNumber()}` }),
        check: (_status, body) => itemCount(body) === 1,
      };
    },
  },
  {
    name: 'events',
    title: "GET /api/v1/events: first feed page (100) for the coordinator agency's partner system",
    server: 'app',
    warmup: true,
    spec: (ctx) => ({
      connections: ctx.connections,
      path: '/api/v1/events',
      headers: bearer(ctx.tokens.eventsClient),
      check: (_status, body) => itemCount(body) > 0,
    }),
  },
  {
    name: 'outcomes',
    title: 'GET /api/v1/reports/outcomes: the outcomes report',
    server: 'app',
    warmup: true,
    unavailable: (ctx) =>
      ctx.outcomes ? null : 'GET /api/v1/reports/outcomes answers 404: no such route in this app',
    // A report is asked for by one person at a time: its latency is the measure (the target
    // is "< 300 ms at large scale"), not how many 32 callers could run at once.
    spec: (ctx) => ({
      connections: 1,
      path: '/api/v1/reports/outcomes',
      headers: bearer(ctx.outcomes!.token),
    }),
  },
  {
    name: 'attendance',
    title: 'POST /api/v1/milestones/:id/attendance as a provider: one real insert each',
    server: 'app',
    warmup: true,
    unavailable: (ctx) =>
      ctx.fixtures.activeMilestones.length === 0 ? 'the provider has no active milestone' : null,
    spec: (ctx) => {
      const prng = new Prng(4);
      const milestones = ctx.fixtures.activeMilestones;
      let n = 0;
      return {
        connections: ctx.connections,
        method: 'POST',
        path: '/api/v1/milestones/x/attendance',
        headers: bearer(ctx.tokens.provider),
        next: () => {
          const m = milestones[prng.int(0, milestones.length - 1)];
          return {
            path: `/api/v1/milestones/${m.id}/attendance`,
            body: JSON.stringify({
              sessionDate: dayBetween(prng, m.firstDay, m.lastDay),
              status: prng.chance(0.8) ? 'present' : 'absent',
              durationMinutes: 60,
              externalId: `bench-${ctx.runTag}-single-${++n}`,
            }),
          };
        },
        // 200 would be a re-sent externalId: nothing written.
        check: (status) => status === 201,
      };
    },
  },
  {
    name: 'attendance-batch',
    title: `POST /api/v1/attendance/batch of ${BATCH_SIZE} records, one request at a time`,
    server: 'app',
    warmup: true,
    recordsPerRequest: BATCH_SIZE,
    unavailable: (ctx) =>
      ctx.fixtures.activeMilestones.length === 0 ? 'the provider has no active milestone' : null,
    spec: (ctx) => {
      const prng = new Prng(5);
      const milestones = ctx.fixtures.activeMilestones;
      let n = 0;
      return {
        connections: 1,
        method: 'POST',
        path: '/api/v1/attendance/batch',
        headers: bearer(ctx.tokens.provider),
        next: () => {
          const records = [];
          for (let i = 0; i < BATCH_SIZE; i++) {
            const m = milestones[prng.int(0, milestones.length - 1)];
            records.push({
              milestoneId: m.id,
              sessionDate: dayBetween(prng, m.firstDay, m.lastDay),
              status: prng.chance(0.8) ? 'present' : 'absent',
              durationMinutes: 60,
              externalId: `bench-${ctx.runTag}-batch-${++n}`,
            });
          }
          return { path: '/api/v1/attendance/batch', body: JSON.stringify({ records }) };
        },
        check: (_status, body) => json(body).accepted === BATCH_SIZE,
      };
    },
  },
  {
    name: 'completion',
    title: 'POST /api/v1/enrollments/:id/completion as the court (seals the arrest record)',
    server: 'app',
    warmup: false,
    unavailable: (ctx) =>
      ctx.fixtures.pendingReview.length <= ctx.connections
        ? `only ${ctx.fixtures.pendingReview.length} enrollments pending court review`
        : null,
    spec: (ctx) => {
      const ids = ctx.fixtures.pendingReview;
      let n = 0;
      return {
        connections: ctx.connections,
        method: 'POST',
        path: '/api/v1/enrollments/x/completion',
        headers: bearer(ctx.tokens.court),
        // Each request consumes one enrollment; a few are kept for requests built ahead.
        maxRequests: ids.length - ctx.connections,
        next: () => {
          const id = ids[Math.min(n, ids.length - 1)];
          n++;
          return {
            path: `/api/v1/enrollments/${id}/completion`,
            body: JSON.stringify({
              decision: 'confirmed',
              courtOrderNumber: `JV-${ctx.runTag}-${n}`,
            }),
          };
        },
        check: (status, body) => status === 200 && json(body).status === 'completed',
      };
    },
  },
  {
    name: 'baseline-end',
    title: 'Baseline again, after the app scenarios: the drift within this run',
    server: 'baseline',
    warmup: false,
    spec: (ctx) => {
      const id = randomFrom(ctx.fixtures.providerEnrollmentIds, 6);
      return {
        connections: ctx.connections,
        path: '/enrollments/x',
        next: () => ({ path: `/enrollments/${id()}` }),
        check: (status) => status === 200,
      };
    },
  },
  {
    name: 'pglite-enrollment-get',
    title: 'GET /api/v1/enrollments/:id as a provider, on the embedded PGlite database',
    server: 'pglite',
    warmup: true,
    spec: (ctx) => {
      const id = randomFrom(ctx.pglite!.enrollmentIds, 7);
      return {
        connections: ctx.connections,
        path: '/api/v1/enrollments/x',
        headers: bearer(ctx.pglite!.token),
        next: () => ({ path: `/api/v1/enrollments/${id()}` }),
      };
    },
  },
];

export const SCENARIO_NAMES = SCENARIOS.map((s) => s.name);
