/**
 * `npm run bench:plans -- --scale medium [--database-url URL] [--reseed] [--out FILE]`
 *
 * The query plans of every catalogued repository query (scripts/query-catalog.ts: the
 * scoping, list, search and hot queries) on the seeded benchmark database, as the app sends
 * them, for real callers of the busiest agencies and real ids: `EXPLAIN (ANALYZE, BUFFERS)`
 * of each statement, in a transaction rolled back. Writes them to docs/plans/<scale>.md and
 * exits 1 when a plan reads a large table sequentially: at the data sizes of a county, a
 * sequential scan on a request's path is a missing index (or a predicate that cannot use one).
 */
import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import type { INestApplicationContext } from '@nestjs/common';
import { generateKeyPairSync } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { Client } from 'pg';
import { AppModule } from '../src/app.module';
import { AppConfig } from '../src/common/config/app-config';
import { encodeCursor } from '../src/common/pagination/pagination';
import type { Caller } from '../src/identity/access/caller';
import type { Scope } from '../src/identity/access/roles-and-scopes';
import {
  CALLER_KINDS,
  type CallerKind,
  type CatalogIds,
  QUERY_CATALOG,
} from '../scripts/query-catalog';
import { captureStatements } from '../scripts/write-queries';
import { parseArgs, UsageError } from './lib/args';
import {
  copyDatabase,
  DEFAULT_SERVER_URL,
  databaseNameFor,
  databaseOf,
  dropAbandonedCopies,
  dropDatabase,
  withDatabase,
  withDatabaseClient,
} from './lib/database';
import {
  markerProblem,
  migrateSeeded,
  pendingMigrations,
  readMarker,
  seedDatabase,
} from './seed/index';
import { BENCH_FIELD_ENCRYPTION_KEYS } from './seed/write';
import { isScale, SCALES, type Scale } from './seed/scales';

const ROOT = resolve(__dirname, '..');
/** Tables with fewer rows than this may be scanned: reading them whole is the cheap plan. */
const LARGE_TABLE_ROWS = 10_000;

/**
 * Sequential scans measured, understood and left for now, each with why. They are printed
 * (and marked in the report) but do not fail the command; any other one does.
 */
const OUTCOMES_WHY =
  "the outcomes report aggregates the caller's whole cohort (all enrollments for an admin or " +
  "auditor, the agency's for a coordinator): each table is read once through the cohort's hash " +
  "(attendance through the milestones' counters, never the records; docs/performance.md)";

const KNOWN_SCANS: { query: string; caller: string; table: string; why: string }[] = [
  {
    query: 'outcomes-report: figures',
    caller: 'admin',
    table: 'enrollments',
    why: OUTCOMES_WHY,
  },
  {
    query: 'outcomes-report: figures',
    caller: 'admin',
    table: 'milestones',
    why: OUTCOMES_WHY,
  },
  {
    query: 'outcomes-report: figures',
    caller: 'admin',
    table: 'sealing_notices',
    why: OUTCOMES_WHY,
  },
  {
    query: 'outcomes-report: figures',
    caller: 'admin',
    table: 'court_reviews',
    why: OUTCOMES_WHY,
  },
  {
    query: 'outcomes-report: figures',
    caller: 'auditor',
    table: 'enrollments',
    why: OUTCOMES_WHY,
  },
  {
    query: 'outcomes-report: figures',
    caller: 'auditor',
    table: 'milestones',
    why: OUTCOMES_WHY,
  },
  {
    query: 'outcomes-report: figures',
    caller: 'auditor',
    table: 'sealing_notices',
    why: OUTCOMES_WHY,
  },
  {
    query: 'outcomes-report: figures',
    caller: 'auditor',
    table: 'court_reviews',
    why: OUTCOMES_WHY,
  },
  {
    query: 'outcomes-report: figures',
    caller: 'coordinator',
    table: 'enrollments',
    why: OUTCOMES_WHY,
  },
  {
    query: 'outcomes-report: figures',
    caller: 'coordinator',
    table: 'milestones',
    why: OUTCOMES_WHY,
  },
  {
    query: 'outcomes-report: figures',
    caller: 'coordinator',
    table: 'sealing_notices',
    why: OUTCOMES_WHY,
  },
  {
    query: 'outcomes-report: figures',
    caller: 'coordinator',
    table: 'court_reviews',
    why: OUTCOMES_WHY,
  },
  {
    query: 'outcomes-report: figures',
    caller: 'provider',
    table: 'sealing_notices',
    why: 'in the plan only, never executed: nothing is reportable by this caller (the cohort is FALSE)',
  },
  {
    query: 'outcomes-report: figures',
    caller: 'court',
    table: 'sealing_notices',
    why: 'in the plan only, never executed: nothing is reportable by this caller (the cohort is FALSE)',
  },
  {
    query: 'outcomes-report: figures',
    caller: 'client',
    table: 'sealing_notices',
    why: 'in the plan only, never executed: nothing is reportable by this caller (the cohort is FALSE)',
  },
  {
    query: 'outbox: feedPage',
    caller: 'auditor',
    table: 'enrollments',
    why:
      'the feed orders by commit position (txid, position) but filters by agency: each page sorts ' +
      "the agency's events and joins their enrollments; grows with the agency's events " +
      '(docs/performance.md)',
  },
];

const isKnown = (p: { file: string; query: string; caller: string }, table: string) =>
  KNOWN_SCANS.some(
    (k) => k.query === `${p.file}: ${p.query}` && k.caller === p.caller && k.table === table,
  );

interface Options {
  scale: Scale;
  templateUrl: string;
  reseed: boolean;
  out: string;
}

function parseOptions(argv: string[]): Options {
  const { values, flags } = parseArgs(argv, {
    values: ['scale', 'database-url', 'out'],
    flags: ['reseed'],
  });
  const scale = values.get('scale');
  if (!isScale(scale)) {
    throw new UsageError(`--scale must be one of: ${Object.keys(SCALES).join(', ')}`);
  }
  return {
    scale,
    templateUrl:
      values.get('database-url') ?? withDatabase(DEFAULT_SERVER_URL, databaseNameFor(scale)),
    reseed: flags.has('reseed'),
    out: resolve(values.get('out') ?? join(ROOT, 'docs/plans', `${scale}.md`)),
  };
}

/** Real callers and rows: the busiest coordinator and provider agencies, as the runner uses. */
async function realCallersAndIds(
  db: Client,
): Promise<{ callers: Record<CallerKind, Caller>; ids: CatalogIds }> {
  const one = async <T>(sql: string, params: unknown[] = []): Promise<T> => {
    const { rows } = await db.query(sql, params);
    if (rows.length === 0) throw new Error(`the seeded database has nothing for: ${sql}`);
    return rows[0] as T;
  };
  const coordinatorAgency = await one<{ id: string; n: string }>(
    `SELECT owner_agency_id AS id, count(*) AS n FROM enrollments
      GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 1`,
  );
  const providerAgency = await one<{ id: string }>(
    `SELECT m.provider_agency_id AS id FROM milestones m
       JOIN enrollments e ON e.id = m.enrollment_id AND e.owner_agency_id = $1
      GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1`,
    [coordinatorAgency.id],
  );
  const userOf = async (role: string, agencyId: string | null): Promise<Caller> => {
    const row = await one<{ id: string; agency_id: string }>(
      `SELECT id, agency_id FROM users WHERE role = $1 AND disabled_at IS NULL
          AND ($2::uuid IS NULL OR agency_id = $2) ORDER BY email LIMIT 1`,
      [role, agencyId],
    );
    return {
      id: row.id,
      kind: 'user',
      role: role as Caller['role'],
      agencyId: row.agency_id,
      scopes: [],
    };
  };
  const client = await one<{ id: string; agency_id: string; scopes: Scope[] }>(
    `SELECT id, agency_id, scopes FROM api_clients WHERE agency_id = $1 AND revoked_at IS NULL
      ORDER BY cardinality(scopes) DESC, client_id LIMIT 1`,
    [coordinatorAgency.id],
  );
  const callers: Record<CallerKind, Caller> = {
    coordinator: await userOf('coordinator', coordinatorAgency.id),
    provider: await userOf('provider', providerAgency.id),
    court: await userOf('court', null),
    admin: await userOf('admin', null),
    auditor: await userOf('auditor', null),
    client: { id: client.id, kind: 'client', agencyId: client.agency_id, scopes: client.scopes },
  };
  // An enrollment both the coordinator and the provider see, with its rows.
  const enrollment = await one<{
    id: string;
    participant_id: string;
    arrest_record_id: string;
    milestone_id: string;
  }>(
    `SELECT e.id, e.participant_id, e.arrest_record_id, m.id AS milestone_id
       FROM enrollments e JOIN milestones m ON m.enrollment_id = e.id AND m.provider_agency_id = $2
      WHERE e.owner_agency_id = $1 AND e.status = 'active'
      ORDER BY e.id LIMIT 1`,
    [coordinatorAgency.id, providerAgency.id],
  );
  const prefix = await one<{ prefix: string }>(
    `SELECT left(last_name_key, 3) AS prefix FROM participants
      WHERE owner_agency_id = $1 AND length(last_name_key) >= 3
      GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1`,
    [coordinatorAgency.id],
  );
  const deep = await one<{ at: string; id: string }>(
    `SELECT to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS at, id
       FROM enrollments WHERE owner_agency_id = $1 ORDER BY created_at, id OFFSET $2 LIMIT 1`,
    [coordinatorAgency.id, Math.floor(Number(coordinatorAgency.n) * 0.9)],
  );
  return {
    callers,
    ids: {
      enrollmentId: enrollment.id,
      participantId: enrollment.participant_id,
      milestoneId: enrollment.milestone_id,
      arrestRecordId: enrollment.arrest_record_id,
      searchText: prefix.prefix,
      deepEnrollmentCursor: encodeCursor([deep.at, deep.id]),
    },
  };
}

interface PlannedStatement {
  file: string;
  query: string;
  caller: string;
  sql: string;
  plan: string;
  executionMs: number;
  /** Large tables this plan reads sequentially. */
  seqScans: string[];
}

async function largeTables(db: Client): Promise<Set<string>> {
  const { rows } = await db.query<{ relname: string }>(
    `SELECT relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = 'public' AND c.relkind = 'r' AND c.reltuples >= $1`,
    [LARGE_TABLE_ROWS],
  );
  return new Set(rows.map((r) => r.relname));
}

async function explain(db: Client, sql: string, parameters: unknown[]): Promise<string> {
  await db.query('BEGIN');
  try {
    const { rows } = await db.query<{ 'QUERY PLAN': string }>(
      `EXPLAIN (ANALYZE, BUFFERS, FORMAT TEXT) ${sql}`,
      parameters,
    );
    return rows.map((r) => r['QUERY PLAN']).join('\n');
  } finally {
    await db.query('ROLLBACK');
  }
}

async function planAll(
  app: INestApplicationContext,
  db: Client,
  callers: Record<CallerKind, Caller>,
  ids: CatalogIds,
): Promise<PlannedStatement[]> {
  const large = await largeTables(db);
  const planned: PlannedStatement[] = [];
  for (const [file, queries] of Object.entries(QUERY_CATALOG)) {
    for (const [name, query] of Object.entries(queries)) {
      if (query.needs && ids[query.needs] === undefined) continue;
      const kinds = query.scoped ? CALLER_KINDS : (['admin'] as const);
      for (const kind of kinds) {
        const sent = await captureStatements(app, () => query.run(app, callers[kind], ids));
        for (const { sql, parameters } of sent) {
          const plan = await explain(db, sql, parameters);
          const seqScans = [...plan.matchAll(/Seq Scan on (\w+)/g)]
            .map((m) => m[1])
            .filter((table) => large.has(table));
          const execution = /Execution Time: ([\d.]+) ms/.exec(plan);
          planned.push({
            file,
            query: name,
            caller: query.scoped ? kind : 'any caller',
            sql,
            plan,
            executionMs: execution ? Number(execution[1]) : NaN,
            seqScans: [...new Set(seqScans)],
          });
        }
      }
    }
  }
  return planned;
}

function report(scale: Scale, planned: PlannedStatement[], counts: Record<string, number>): string {
  const lines = [
    `# Query plans at the ${scale} scale`,
    '',
    'Generated by `npm run bench:plans -- --scale ' +
      scale +
      '` on the seeded benchmark ' +
      'database: every query of scripts/query-catalog.ts as the app sends it, for a real caller ' +
      'of each kind (the busiest coordinator and provider agencies), `EXPLAIN (ANALYZE, BUFFERS)` ' +
      'in a transaction rolled back. Times are from one run on a 2-core machine (indicative; the ' +
      'shape of each plan is what to review). The command fails when a plan reads a table of ' +
      `${LARGE_TABLE_ROWS.toLocaleString('en-US')} rows or more sequentially.`,
    '',
    `Rows: ${Object.entries(counts)
      .map(([table, n]) => `${table} ${n.toLocaleString('en-US')}`)
      .join(', ')}.`,
    '',
    'Known sequential scans (measured, understood, left for now):',
    '',
    ...KNOWN_SCANS.map((k) => `- ${k.query} (${k.caller}) reads ${k.table}: ${k.why}.`),
    '',
    '| query | caller | ms | sequential scans of large tables |',
    '| --- | --- | ---: | --- |',
    ...planned.map(
      (p) =>
        `| ${p.file}: ${p.query} | ${p.caller} | ${p.executionMs.toFixed(2)} | ${
          p.seqScans.map((t) => (isKnown(p, t) ? `${t} (known)` : `**${t}**`)).join(', ') || 'none'
        } |`,
    ),
  ];
  for (const p of planned) {
    lines.push(
      '',
      `## ${p.file}: ${p.query} (${p.caller})`,
      '',
      '```sql',
      p.sql,
      '```',
      '',
      '```',
      p.plan,
      '```',
    );
  }
  return `${lines.join('\n')}\n`;
}

async function main(): Promise<number> {
  const options = parseOptions(process.argv.slice(2));
  const found = await readMarker(options.templateUrl);
  let problem = options.reseed ? '--reseed' : markerProblem(found, options.scale);
  // As the runner does: a seed that only predates newer migrations is brought forward, not
  // reseeded (the large seed takes many minutes).
  const pending = options.reseed ? null : pendingMigrations(found, options.scale);
  if (problem && pending && pending.length > 0) {
    const applied = await migrateSeeded(options.templateUrl);
    console.log(`seeded database brought forward: ${applied.join(', ')}`);
    problem = markerProblem(await readMarker(options.templateUrl), options.scale);
  }
  if (problem) {
    console.log(`seeding (${problem})`);
    await seedDatabase(options.scale, options.templateUrl);
  }
  await dropAbandonedCopies(options.templateUrl);
  // A copy: the app context starts its own machinery on it; the seeded database stays as seeded.
  const runUrl = await copyDatabase(
    options.templateUrl,
    `${databaseOf(options.templateUrl)}_run_${process.pid}`,
  );
  let app: INestApplicationContext | null = null;
  try {
    const config = AppConfig.fromEnvironment({
      NODE_ENV: 'test',
      LOG_LEVEL: 'silent',
      DATABASE_URL: runUrl,
      DATABASE_POOL_SIZE: '2',
      JWT_SECRET: 'plans-script-secret-that-is-long-enough-to-pass',
      WEBHOOK_SECRET_KEY: Buffer.alloc(32, 1).toString('base64'),
      // The seed encrypts session notes with the bench's key: reads that open them need it.
      FIELD_ENCRYPTION_KEYS: BENCH_FIELD_ENCRYPTION_KEYS,
      AUDIT_SEQUENCER_ENABLED: 'false',
      WEBHOOK_WORKER_ENABLED: 'false',
      AUDIT_SIGNING_KEY: generateKeyPairSync('ed25519')
        .privateKey.export({ format: 'pem', type: 'pkcs8' })
        .toString(),
    });
    app = await NestFactory.createApplicationContext(AppModule.forRoot(config), { logger: false });
    const started = app;
    const { planned, counts } = await withDatabaseClient(runUrl, async (db) => {
      await db.query('ANALYZE');
      const { callers, ids } = await realCallersAndIds(db);
      const plans = await planAll(started, db, callers, ids);
      const { rows } = await db.query<{ relname: string; n: string }>(
        `SELECT relname, reltuples::bigint AS n FROM pg_class c
           JOIN pg_namespace ns ON ns.oid = c.relnamespace
          WHERE ns.nspname = 'public' AND c.relkind = 'r'
            AND relname IN ('participants', 'enrollments', 'milestones', 'attendance_records',
                            'outbox_events', 'audit_events')
          ORDER BY relname`,
      );
      return {
        planned: plans,
        counts: Object.fromEntries(rows.map((r) => [r.relname, Number(r.n)])),
      };
    });
    mkdirSync(dirname(options.out), { recursive: true });
    writeFileSync(options.out, report(options.scale, planned, counts));
    const slow = [...planned].sort((a, b) => b.executionMs - a.executionMs).slice(0, 5);
    console.log(`${planned.length} statements planned; written to ${options.out}`);
    console.log(
      `slowest: ${slow.map((p) => `${p.file}: ${p.query} (${p.caller}) ${p.executionMs.toFixed(1)} ms`).join('; ')}`,
    );
    let unexpected = 0;
    for (const p of planned) {
      for (const table of p.seqScans) {
        const known = isKnown(p, table);
        if (!known) unexpected++;
        const label = known ? 'known sequential scan' : 'SEQUENTIAL SCAN';
        console.log(`${label}: ${p.file}: ${p.query} (${p.caller}) reads ${table}`);
      }
    }
    return unexpected > 0 ? 1 : 0;
  } finally {
    await app?.close();
    await dropDatabase(runUrl).catch(() => undefined);
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof UsageError) {
      console.error(
        `${error.message}\nusage: npm run bench:plans -- --scale small|medium|large [--database-url URL] [--reseed] [--out FILE]`,
      );
      process.exit(2);
    }
    console.error(error instanceof Error ? (error.stack ?? error.message) : error);
    process.exit(1);
  },
);
