import type { LoadResult } from './load';
import type { Server } from './scenarios';

/** Percent of session samples per state: 'active', 'idle in transaction', 'wait Lock:tuple'... */
export type SessionShares = Record<string, number>;

export interface ScenarioOutcome {
  name: string;
  title: string;
  server: Server;
  /** Why it did not run (a missing route, --only), or undefined. */
  skipped?: string;
  result?: LoadResult;
  /** req/s divided by the baseline's req/s of this run. */
  ratio?: number;
  /** Resident set size of the server process right after the scenario (MiB). */
  rssMiB?: number | null;
  recordsPerSecond?: number;
  /**
   * CPU time per request: the server process (all threads), its PostgreSQL sessions (null
   * when the database runs inside the server: PGlite), and the load generator (this process).
   */
  cpuMsPerRequest?: { server: number; db: number | null; client: number };
  /** What the server's database sessions did during the run (sampled; PostgreSQL only). */
  dbSessions?: SessionShares;
  errors: number;
  failed: boolean;
  notes: string[];
}

export interface TargetCheck {
  scenario: string;
  target: string;
  actual: string;
  met: boolean | null;
  note?: string;
}

const fixed = (value: number | undefined, digits: number) =>
  value === undefined || Number.isNaN(value) ? '-' : value.toFixed(digits);

/**
 * The targets, each judged on this run's figures. They are printed, never enforced:
 * a missed target does not fail the run (errors do).
 */
export function checkTargets(
  outcomes: ScenarioOutcome[],
  context: { scale: string; connections: number },
): TargetCheck[] {
  const get = (name: string) => outcomes.find((o) => o.name === name && o.result);
  const checks: TargetCheck[] = [];
  const atLarge = context.scale === 'large' ? undefined : 'target set for scale large';
  const at32 = context.connections === 32 ? undefined : 'target set at 32 connections';
  const ratioTarget = (name: string, min: number, note?: string) => {
    const o = get(name);
    if (!o || o.ratio === undefined) return;
    checks.push({
      scenario: name,
      target: `>= ${min.toFixed(2)}x baseline req/s`,
      actual: `${o.ratio.toFixed(2)}x`,
      met: o.ratio >= min,
      note,
    });
  };

  const get1 = get('enrollment-get');
  if (get1?.result && get1.ratio !== undefined) {
    checks.push({
      scenario: 'enrollment-get',
      target: '>= 0.40x baseline req/s and p99 < 30 ms',
      actual: `${get1.ratio.toFixed(2)}x, p99 ${fixed(get1.result.p99, 1)} ms`,
      met: get1.ratio >= 0.4 && get1.result.p99 < 30,
      note: at32,
    });
  }
  ratioTarget('enrollments-list', 0.15);
  const first = get('enrollments-list');
  const deep = get('enrollments-deep');
  if (first?.result && deep?.result) {
    const factor = deep.result.p50 / first.result.p50;
    checks.push({
      scenario: 'enrollments-deep',
      target: 'p50 <= 1.3x first page p50',
      actual: `${factor.toFixed(2)}x (${fixed(deep.result.p50, 1)} vs ${fixed(first.result.p50, 1)} ms)`,
      met: factor <= 1.3,
    });
  }
  ratioTarget('attendance', 0.3);
  const batch = get('attendance-batch');
  if (batch?.result && batch.recordsPerSecond !== undefined) {
    checks.push({
      scenario: 'attendance-batch',
      target: '>= 30,000 records/s and p50 < 40 ms',
      actual: `${Math.round(batch.recordsPerSecond).toLocaleString('en-US')} records/s, p50 ${fixed(batch.result.p50, 1)} ms`,
      met: batch.recordsPerSecond >= 30_000 && batch.result.p50 < 40,
    });
  }
  for (const name of ['search-name', 'search-case']) {
    const o = get(name);
    if (o?.result) {
      checks.push({
        scenario: name,
        target: 'p99 < 50 ms (at large)',
        actual: `p99 ${fixed(o.result.p99, 1)} ms`,
        met: o.result.p99 < 50,
        note: atLarge,
      });
    }
  }
  const outcomesReport = outcomes.find((o) => o.name === 'outcomes');
  if (outcomesReport?.result) {
    checks.push({
      scenario: 'outcomes',
      target: '< 300 ms (p99, at large)',
      actual: `p99 ${fixed(outcomesReport.result.p99, 1)} ms`,
      met: outcomesReport.result.p99 < 300,
      note: atLarge,
    });
  } else if (outcomesReport) {
    checks.push({
      scenario: 'outcomes',
      target: '< 300 ms (p99, at large)',
      actual: 'not run',
      met: null,
      note: outcomesReport.skipped,
    });
  }
  ratioTarget('events', 0.3);
  const rss = outcomes
    .filter((o) => o.server === 'app' && typeof o.rssMiB === 'number')
    .map((o) => o.rssMiB as number);
  if (rss.length > 0) {
    const max = Math.max(...rss);
    checks.push({
      scenario: 'app (PostgreSQL)',
      target: 'RSS < 250 MB',
      actual: `max ${max.toFixed(0)} MiB`,
      met: max * 1.048576 < 250,
    });
  }
  return checks;
}

/** Share of the database sessions' samples spent waiting for a lock (row or relation). */
export function lockWait(shares: SessionShares): number {
  return Object.entries(shares)
    .filter(([state]) => state.startsWith('wait Lock:'))
    .reduce((sum, [, pct]) => sum + pct, 0);
}

function pad(cells: string[], widths: number[], right: boolean[]): string {
  return cells
    .map((cell, i) => (right[i] ? cell.padStart(widths[i]) : cell.padEnd(widths[i])))
    .join('  ')
    .trimEnd();
}

export function formatTable(outcomes: ScenarioOutcome[], targets: TargetCheck[]): string {
  const header = [
    'scenario',
    'req/s',
    'p50 ms',
    'p99 ms',
    'errors',
    'x base',
    'RSS MiB',
    'cpu ms/req srv+db',
    'lock wait',
    'target',
  ];
  const right = [false, true, true, true, true, true, true, true, true, false];
  const targetOf = (name: string) =>
    targets
      .filter((t) => t.scenario === name)
      .map((t) => `${t.met === null ? 'n/a' : t.met ? 'met' : 'MISSED'}: ${t.target} (${t.actual})`)
      .join('; ');
  const rows: string[][] = outcomes.map((o) => {
    const label = o.failed ? `${o.name} FAILED` : o.name;
    if (!o.result) {
      return [label, '-', '-', '-', '-', '-', '-', '-', '-', `skipped: ${o.skipped ?? ''}`];
    }
    const cpu = o.cpuMsPerRequest;
    const r = o.result;
    const rate =
      o.recordsPerSecond !== undefined
        ? `${fixed(r.rps, 1)} (${Math.round(o.recordsPerSecond).toLocaleString('en-US')} rec/s)`
        : fixed(r.rps, 1);
    const target = [targetOf(o.name), ...o.notes].filter(Boolean).join('; ');
    return [
      label,
      rate,
      fixed(r.p50, 1),
      fixed(r.p99, 1),
      String(o.errors),
      o.ratio === undefined ? '-' : `${o.ratio.toFixed(2)}`,
      o.rssMiB === undefined || o.rssMiB === null ? '-' : o.rssMiB.toFixed(0),
      cpu ? `${cpu.server.toFixed(2)}+${cpu.db === null ? 'in' : cpu.db.toFixed(2)}` : '-',
      o.dbSessions ? `${lockWait(o.dbSessions).toFixed(0)}%` : '-',
      target,
    ];
  });
  const widths = header.map((h, i) =>
    i === header.length - 1 ? 0 : Math.max(h.length, ...rows.map((row) => row[i].length)),
  );
  const lines = [
    pad(header, widths, right),
    pad(
      widths.map((w) => '-'.repeat(w || 6)),
      widths,
      right,
    ),
  ];
  for (const row of rows) lines.push(pad(row, widths, right));
  const rowTargets = new Set(outcomes.map((o) => o.name));
  for (const t of targets.filter((t) => !rowTargets.has(t.scenario))) {
    lines.push(`${t.scenario}: ${t.met ? 'met' : 'MISSED'}: ${t.target} (${t.actual})`);
  }
  const notes = targets.filter((t) => t.note && t.met !== null);
  if (notes.length > 0) {
    lines.push(...notes.map((t) => `  note on ${t.scenario}: ${t.note}`));
  }
  return lines.join('\n');
}
