/**
 * `npm run bench -- --scale small|medium|large [--duration 10] [--connections 32]
 *                   [--only scenario,...] [--database-url URL] [--reseed]
 *                   [--pool-size N] [--instances N] [--profile] [--node-flags "..."]`
 *
 * 1. Makes sure the seeded database of the scale exists (seeds it if not, or if its marker
 *    names another scale, generator version or set of migrations), then copies it for this run
 *    so that writes of one run never change what the next one measures.
 * 2. Builds the app and starts it from dist/ on the copy, and the baseline server beside it.
 * 3. Signs in and runs every scenario with autocannon, in this process.
 * 4. Starts the app on an embedded PGlite database, seeds it through the API, runs the GET
 *    enrollment scenario there.
 * 5. Prints the table, writes bench/results/<scale>.json; exits 1 if any scenario had errors.
 *    Every process started is stopped, whatever happens.
 */
import { execFileSync } from 'node:child_process';
import type { Client } from 'pg';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, freemem, loadavg, tmpdir, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs, positiveNumber, UsageError } from './lib/args';
import {
  copyDatabase,
  DEFAULT_SERVER_URL,
  databaseNameFor,
  databaseOf,
  dropAbandonedCopies,
  dropDatabase,
  redact,
  openClient,
  withDatabase,
  withDatabaseClient,
} from './lib/database';
import {
  type Child,
  cpuSeconds,
  freePort,
  rssMiB,
  runToEnd,
  start,
  stop,
  stopAll,
  stopChildrenOnExit,
  waitForReady,
} from './lib/processes';
import {
  markerProblem,
  migrateSeeded,
  pendingMigrations,
  readMarker,
  seedDatabase,
  type SeedResult,
} from './seed/index';
import { clientSecretFor, isScale, SCALES, type Scale } from './seed/scales';
import { BENCH_PASSWORD } from './seed/scales';
import { loadFixtures } from './runner/fixtures';
import { call, clientToken, signIn } from './runner/http';
import { runLoad, stopActiveLoad } from './runner/load';
import { seedThroughApi } from './runner/pglite';
import { summariseProfile } from './lib/profile';
import {
  checkTargets,
  formatTable,
  type ScenarioOutcome,
  type SessionShares,
} from './runner/report';
import { SCENARIO_NAMES, SCENARIOS, type Scenario, type ScenarioContext } from './runner/scenarios';
import { BENCH_FIELD_ENCRYPTION_KEYS } from './seed/write';

const ROOT = resolve(__dirname, '..');
const PGLITE_ENROLLMENTS = 36;
const READY_TIMEOUT_MS = 120_000;

interface Options {
  scale: Scale;
  duration: number;
  connections: number;
  only: Set<string> | null;
  templateUrl: string;
  reseed: boolean;
  /** Write a V8 CPU profile of the app (PostgreSQL) and print where its time went. */
  profile: boolean;
  /** The app's DATABASE_POOL_SIZE (default: the app's own default, 10). */
  poolSize: number | null;
  /**
   * App processes on the one database, the load spread over them by connection (autocannon
   * with several URLs: what a load balancer in front of N stateless instances does).
   */
  instances: number;
  /** Extra V8 / Node flags for the app processes (`--node-flags "--max-old-space-size=128"`). */
  nodeFlags: string[];
}

function parseOptions(argv: string[]): Options {
  const { values, flags } = parseArgs(argv, {
    values: [
      'scale',
      'duration',
      'connections',
      'only',
      'database-url',
      'pool-size',
      'instances',
      'node-flags',
    ],
    flags: ['reseed', 'profile'],
  });
  const scale = values.get('scale');
  if (!isScale(scale)) {
    throw new UsageError(`--scale must be one of: ${Object.keys(SCALES).join(', ')}`);
  }
  const only = values.has('only')
    ? new Set(
        values
          .get('only')!
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean),
      )
    : null;
  for (const name of only ?? []) {
    if (!SCENARIO_NAMES.includes(name)) {
      throw new UsageError(`unknown scenario ${name}; scenarios: ${SCENARIO_NAMES.join(', ')}`);
    }
  }
  return {
    scale,
    duration: positiveNumber('duration', values.get('duration'), 10),
    connections: Math.round(positiveNumber('connections', values.get('connections'), 32)),
    only,
    templateUrl:
      values.get('database-url') ?? withDatabase(DEFAULT_SERVER_URL, databaseNameFor(scale)),
    reseed: flags.has('reseed'),
    profile: flags.has('profile'),
    poolSize: values.has('pool-size')
      ? Math.round(positiveNumber('pool-size', values.get('pool-size'), 10))
      : null,
    instances: Math.round(positiveNumber('instances', values.get('instances'), 1)),
    nodeFlags: (values.get('node-flags') ?? '').split(/\s+/).filter(Boolean),
  };
}

const log = (line: string) => console.log(line);
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

function git(args: string[]): string | null {
  try {
    return execFileSync('git', args, { cwd: ROOT, encoding: 'utf8' }).trim();
  } catch {
    return null;
  }
}

/** Only what the servers need: nothing of the caller's environment leaks into a measured run. */
function serverEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    TMPDIR: process.env.TMPDIR,
    ...extra,
  };
}

async function main(): Promise<number> {
  const began = performance.now();
  const options = parseOptions(process.argv.slice(2));
  const work = mkdtempSync(join(tmpdir(), 'first-step-bench-'));
  // Per process: two runs at once (two people on one machine) never share or drop each other's.
  const runDatabase = `${databaseOf(options.templateUrl)}_run_${process.pid}`;
  let runUrl: string | null = null;
  let failedHard = false;
  stopChildrenOnExit(async () => {
    if (runUrl) await dropDatabase(runUrl).catch(() => undefined);
  }, stopActiveLoad);
  const timings: Record<string, number> = {};
  let mark = performance.now();
  const phase = (name: string) => {
    const now = performance.now();
    timings[name] = Math.round(now - mark) / 1000;
    log(`  [${seconds(now - began)}] ${name}: ${seconds(now - mark)}`);
    mark = now;
  };
  const selected = (name: string) =>
    name === 'baseline' || options.only === null || options.only.has(name);

  log(
    `First Step benchmark: scale ${options.scale}, ${options.duration} s per scenario, ` +
      `${options.connections} connections (logs in ${work})`,
  );
  const loadAtStart = loadavg()[0];
  if (loadAtStart > cpus().length / 2) {
    log(
      `  warning: load average ${loadAtStart.toFixed(1)} on ${cpus().length} CPUs before the run: ` +
        'something else is busy, and every figure below shares the CPUs with it',
    );
  }
  try {
    // ---------------------------------------------------------------- 1. the data
    let seeded: SeedResult | null = null;
    const found = await readMarker(options.templateUrl).catch((error: unknown) => {
      throw new Error(
        `cannot reach PostgreSQL at ${redact(options.templateUrl)} ` +
          `(${error instanceof Error ? error.message : String(error)}); ` +
          'start it, or name another server with --database-url',
      );
    });
    let problem = options.reseed ? '--reseed' : markerProblem(found, options.scale);
    const pending = options.reseed ? null : pendingMigrations(found, options.scale);
    if (problem && pending && pending.length > 0) {
      const applied = await migrateSeeded(options.templateUrl);
      log(`seeded database brought forward: ${applied.join(', ')} (no reseed; --reseed for one)`);
      problem = markerProblem(await readMarker(options.templateUrl), options.scale);
    }
    if (problem) {
      log(`seeding ${redact(options.templateUrl)} (${problem})`);
      seeded = await seedDatabase(options.scale, options.templateUrl, (line) => log(`  ${line}`));
    }
    const marker = (await readMarker(options.templateUrl))!;
    phase(seeded ? 'seed' : `seeded database found (seeded ${marker.seeded_at})`);
    await dropAbandonedCopies(options.templateUrl);
    runUrl = await copyDatabase(options.templateUrl, runDatabase);
    phase(`copy to ${runDatabase}`);

    // ---------------------------------------------------------------- 2. the servers
    await runToEnd('npm run build', 'npm', ['run', 'build'], {
      cwd: ROOT,
      env: process.env,
      log: join(work, 'build.log'),
    });
    phase('npm run build');
    const appPorts: number[] = [];
    for (let i = 0; i < options.instances; i++) appPorts.push(await freePort());
    const baselinePort = await freePort();
    const appBases = appPorts.map((port) => `http://127.0.0.1:${port}`);
    const appBase = appBases[0];
    const baselineBase = `http://127.0.0.1:${baselinePort}`;
    const secrets = {
      JWT_SECRET: randomBytes(48).toString('base64url'),
      WEBHOOK_SECRET_KEY: randomBytes(32).toString('base64'),
      FIELD_ENCRYPTION_KEYS: BENCH_FIELD_ENCRYPTION_KEYS,
      // The benchmark measures capacity, not the per-caller limit: a few callers drive all load.
      RATE_LIMIT_PER_MINUTE: String(1_000_000_000),
      AUDIT_SIGNING_KEY: generateKeyPairSync('ed25519')
        .privateKey.export({ format: 'pem', type: 'pkcs8' })
        .toString(),
    };
    // The app runs in the work folder: a developer's .env in the repository must not apply.
    const profileDir = join(ROOT, 'bench/results/profile');
    const startApp = (index: number): Child => {
      // Only the first instance is profiled: one profile to read, the same code in every one.
      const profileArgs =
        options.profile && index === 0
          ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`, '--cpu-prof-name=app.cpuprofile']
          : [];
      const name = options.instances > 1 ? `app ${index + 1} (PostgreSQL)` : 'app (PostgreSQL)';
      return start(
        name,
        process.execPath,
        [...profileArgs, ...options.nodeFlags, join(ROOT, 'dist/src/main.js')],
        {
          cwd: work,
          log: join(work, index === 0 ? 'app.log' : `app-${index + 1}.log`),
          env: serverEnv({
            NODE_ENV: 'production',
            DATABASE_URL: runUrl!,
            HOST: '127.0.0.1',
            PORT: String(appPorts[index]),
            LOG_LEVEL: 'warn',
            WEBHOOK_WORKER_ENABLED: 'false',
            ...(options.poolSize ? { DATABASE_POOL_SIZE: String(options.poolSize) } : {}),
            ...secrets,
          }),
        },
      );
    };
    // The first instance applies any pending migration; the others start once it is ready.
    const apps: Child[] = [startApp(0)];
    const app = apps[0];
    const baseline = start(
      'baseline server',
      process.execPath,
      ['-r', 'ts-node/register/transpile-only', join(ROOT, 'bench/baseline-server.ts')],
      {
        cwd: ROOT,
        log: join(work, 'baseline.log'),
        env: serverEnv({
          DATABASE_URL: runUrl,
          PORT: String(baselinePort),
          DATABASE_POOL_SIZE: '10',
        }),
      },
    );
    await Promise.all([
      waitForReady(`${appBase}/health/ready`, app, READY_TIMEOUT_MS),
      waitForReady(`${baselineBase}/health`, baseline, READY_TIMEOUT_MS),
    ]);
    for (let i = 1; i < options.instances; i++) apps.push(startApp(i));
    await Promise.all(
      apps
        .slice(1)
        .map((child, i) =>
          waitForReady(`${appBases[i + 1]}/health/ready`, child, READY_TIMEOUT_MS),
        ),
    );
    phase(
      options.instances > 1
        ? `${options.instances} apps and baseline ready`
        : 'app and baseline ready',
    );

    // ---------------------------------------------------------------- 3. scenarios
    const fixtures = await withDatabaseClient(runUrl, loadFixtures);
    const client = fixtures.eventsClient.clientId;
    const tokens = {
      coordinator: await signIn(appBase, fixtures.coordinator.email, BENCH_PASSWORD),
      provider: await signIn(appBase, fixtures.provider.email, BENCH_PASSWORD),
      court: await signIn(appBase, fixtures.court.email, BENCH_PASSWORD),
      eventsClient: await clientToken(appBase, client, clientSecretFor(client)),
    };
    const outcomes = await findOutcomesReport(appBase, fixtures, tokens.coordinator);
    const context: ScenarioContext = {
      fixtures,
      tokens,
      connections: options.connections,
      runTag: `${Date.now().toString(36)}${randomBytes(2).toString('hex')}`,
      outcomes,
    };
    phase('fixtures and sign-in');

    const results: ScenarioOutcome[] = [];
    const monitor = await openClient(runUrl);
    const servers: Record<string, ServerUnderTest> = {
      app: { bases: appBases, children: apps, monitor, dbApplication: APP_DB_APPLICATION },
      baseline: {
        bases: [baselineBase],
        children: [baseline],
        monitor,
        dbApplication: BASELINE_DB_APPLICATION,
      },
    };
    let baselineRps: number | undefined;
    for (const scenario of SCENARIOS.filter((s) => s.server !== 'pglite')) {
      if (!selected(scenario.name)) continue;
      const outcome = await measure(
        scenario,
        context,
        servers[scenario.server],
        options,
        baselineRps,
      );
      if (scenario.name === 'baseline') baselineRps = outcome.result?.rps;
      results.push(outcome);
      log(progressLine(outcome));
    }
    await monitor.end();
    await Promise.all([...apps.map((child) => stop(child)), stop(baseline)]);
    phase('scenarios on PostgreSQL');

    // ---------------------------------------------------------------- 4. PGlite
    const pgliteScenario = SCENARIOS.find((s) => s.server === 'pglite')!;
    if (selected(pgliteScenario.name)) {
      const pglitePort = await freePort();
      const pgliteBase = `http://127.0.0.1:${pglitePort}`;
      const admin = {
        email: 'bench-admin@bench.test',
        password: randomBytes(18).toString('base64url'),
      };
      const embedded = start('app (PGlite)', process.execPath, [join(ROOT, 'dist/src/main.js')], {
        cwd: work,
        log: join(work, 'app-pglite.log'),
        env: serverEnv({
          NODE_ENV: 'production',
          PGLITE_DIR: join(work, 'pglite'),
          HOST: '127.0.0.1',
          PORT: String(pglitePort),
          LOG_LEVEL: 'warn',
          WEBHOOK_WORKER_ENABLED: 'false',
          BOOTSTRAP_ADMIN_EMAIL: admin.email,
          BOOTSTRAP_ADMIN_PASSWORD: admin.password,
          ...secrets,
        }),
      });
      await waitForReady(`${pgliteBase}/health/ready`, embedded, READY_TIMEOUT_MS);
      const seededApi = await seedThroughApi(pgliteBase, admin, PGLITE_ENROLLMENTS);
      phase(`PGlite app ready, ${PGLITE_ENROLLMENTS} enrollments seeded through the API`);
      context.pglite = { token: seededApi.providerToken, enrollmentIds: seededApi.enrollmentIds };
      const outcome = await measure(
        pgliteScenario,
        context,
        { bases: [pgliteBase], children: [embedded], monitor: null, dbApplication: null },
        options,
        baselineRps,
      );
      const onPostgres = results.find((r) => r.name === 'enrollment-get')?.result;
      if (outcome.result && onPostgres) {
        outcome.notes.push(
          `PostgreSQL app: ${onPostgres.rps.toFixed(1)} req/s, p99 ${onPostgres.p99.toFixed(1)} ms ` +
            `(PGlite/PostgreSQL ${(outcome.result.rps / onPostgres.rps).toFixed(2)}x)`,
        );
      }
      results.push(outcome);
      log(progressLine(outcome));
      await stop(embedded);
      phase('scenario on PGlite');
    }

    // ---------------------------------------------------------------- 5. report
    const targets = checkTargets(results, options);
    const failed = results.filter((r) => r.failed);
    const totalSeconds = Math.round(performance.now() - began) / 1000;
    const table = formatTable(results, targets);
    log(`\n${table}\n`);
    for (const r of failed) {
      log(`FAILED ${r.name}: ${JSON.stringify(r.result?.statusCodes)} ${r.notes.join('; ')}`);
    }
    const appLog = readFileSync(join(work, 'app.log'), 'utf8');
    const report = {
      scale: options.scale,
      date: new Date().toISOString(),
      git: {
        commit: git(['rev-parse', 'HEAD']),
        branch: git(['rev-parse', '--abbrev-ref', 'HEAD']),
        dirty: (git(['status', '--porcelain']) ?? '') !== '',
      },
      machine: {
        cpus: cpus().length,
        cpuModel: cpus()[0]?.model,
        memoryMiB: Math.round(totalmem() / 1048576),
        freeMemoryMiB: Math.round(freemem() / 1048576),
        /** 1-minute load average before the run and at its end: above 0 means company. */
        loadAverage: { start: loadAtStart, end: loadavg()[0] },
        node: process.version,
        platform: `${process.platform} ${process.arch}`,
        postgres: await withDatabaseClient(runUrl, async (db) => {
          const { rows } = await db.query<{ version: string; shared_buffers: string }>(
            `SELECT current_setting('server_version') AS version,
                    current_setting('shared_buffers') AS shared_buffers`,
          );
          return rows[0];
        }),
      },
      options: {
        duration: options.duration,
        connections: options.connections,
        instances: options.instances,
        poolSize: options.poolSize,
        nodeFlags: options.nodeFlags,
        only: options.only && [...options.only],
      },
      data: { seed: seeded ?? undefined, marker },
      scenarios: results,
      targets,
      appLog: {
        slowQueryWarnings: (appLog.match(/slow query/g) ?? []).length,
        errorLines: (appLog.match(/"level":50/g) ?? []).length,
      },
      timings,
      totalSeconds,
      failed: failed.map((r) => r.name),
    };
    mkdirSync(join(ROOT, 'bench/results'), { recursive: true });
    const file = join(ROOT, `bench/results/${options.scale}.json`);
    writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
    log(
      `app log: ${report.appLog.slowQueryWarnings} slow-query warnings, ${report.appLog.errorLines} error lines`,
    );
    log(`results written to ${file}`);
    if (options.profile) {
      await stopAll();
      log(summariseProfile(join(profileDir, 'app.cpuprofile')));
    }
    log(`benchmark ${failed.length > 0 ? 'FAILED' : 'done'} in ${totalSeconds.toFixed(1)} s`);
    failedHard = failed.length > 0;
    return failed.length > 0 ? 1 : 0;
  } catch (error) {
    failedHard = true;
    throw error;
  } finally {
    await stopAll();
    if (runUrl) await dropDatabase(runUrl).catch(() => undefined);
    if (failedHard && readdirSync(work).length > 0) log(`logs kept in ${work}`);
    else rmSync(work, { recursive: true, force: true });
  }
}

/** The outcomes report, if the app has the route: the first role it does not refuse. */
async function findOutcomesReport(
  base: string,
  fixtures: Awaited<ReturnType<typeof loadFixtures>>,
  coordinatorToken: string,
): Promise<{ token: string } | null> {
  const candidates = [
    () => Promise.resolve(coordinatorToken),
    () => signIn(base, fixtures.admin.email, BENCH_PASSWORD),
    () => signIn(base, fixtures.auditor.email, BENCH_PASSWORD),
  ];
  for (const tokenFor of candidates) {
    const token = await tokenFor();
    const answer = await call(base, 'GET', '/api/v1/reports/outcomes', { token });
    if (answer.status === 404) return null;
    if (answer.status >= 200 && answer.status < 300) return { token };
  }
  return null;
}

/** A server under load, and how to find its database sessions (for their CPU time). */
interface ServerUnderTest {
  /** One URL per process; the load's connections are spread over them. */
  bases: string[];
  children: Child[];
  monitor: Client | null;
  /** application_name of its pool's connections; null when the database is in-process. */
  dbApplication: string | null;
}

/** application_name of the app's connections (src/infrastructure/database/data-source-options.ts). */
const APP_DB_APPLICATION = 'first-step-api';
const BASELINE_DB_APPLICATION = 'first-step-bench-baseline';

/** CPU seconds used so far by the server, its database sessions, and this process (the client). */
async function cpuSnapshot(server: ServerUnderTest) {
  const db = new Map<number, number>();
  if (server.monitor && server.dbApplication) {
    const { rows } = await server.monitor.query<{ pid: number }>(
      'SELECT pid FROM pg_stat_activity WHERE application_name = $1',
      [server.dbApplication],
    );
    for (const { pid } of rows) db.set(pid, cpuSeconds(pid) ?? 0);
  }
  const own = process.cpuUsage();
  const serverSeconds = server.children.reduce(
    (sum, child) => sum + (cpuSeconds(child.pid) ?? 0),
    0,
  );
  return { server: serverSeconds, db, client: (own.user + own.system) / 1e6 };
}

/**
 * What the server's PostgreSQL sessions are doing, sampled every 100 ms during the run:
 * running a query, idle inside a transaction (the server is computing between two queries of
 * one transaction), waiting for a lock (and which kind), or idle in the pool. Shares of all
 * session samples, in percent.
 */
function sampleSessions(server: ServerUnderTest): {
  stop: () => Promise<SessionShares | undefined>;
} {
  const monitor = server.monitor;
  const application = server.dbApplication;
  if (!monitor || !application) return { stop: () => Promise.resolve(undefined) };
  const counts = new Map<string, number>();
  let total = 0;
  let running = true;
  const loop = (async () => {
    while (running) {
      const { rows } = await monitor.query<{ state: string | null; wait: string | null }>(
        `SELECT state, CASE WHEN wait_event_type IN ('Lock', 'LWLock', 'IO')
                            THEN wait_event_type || ':' || wait_event END AS wait
           FROM pg_stat_activity WHERE application_name = $1`,
        [application],
      );
      for (const row of rows) {
        const key = row.wait ? `wait ${row.wait}` : (row.state ?? 'unknown');
        counts.set(key, (counts.get(key) ?? 0) + 1);
        total++;
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop.catch(() => undefined);
      if (total === 0) return undefined;
      const shares: SessionShares = {};
      for (const [key, n] of [...counts].sort((a, b) => b[1] - a[1])) {
        shares[key] = Math.round((n * 1000) / total) / 10;
      }
      return shares;
    },
  };
}

/**
 * Waits (up to a minute) until none of the server's database sessions is running a query or
 * holding a transaction: requests cut off at the end of a scenario must not load the next one.
 * Returns the seconds waited.
 */
async function waitUntilQuiet(server: ServerUnderTest): Promise<number> {
  const monitor = server.monitor;
  if (!monitor || !server.dbApplication) return 0;
  const started = performance.now();
  let quiet = 0;
  while (quiet < 2 && performance.now() - started < 60_000) {
    const { rows } = await monitor.query<{ busy: number }>(
      `SELECT count(*)::int AS busy FROM pg_stat_activity
        WHERE application_name = $1 AND state <> 'idle'`,
      [server.dbApplication],
    );
    quiet = rows[0].busy === 0 ? quiet + 1 : 0;
    if (quiet < 2) await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return (performance.now() - started) / 1000;
}

async function measure(
  scenario: Scenario,
  context: ScenarioContext,
  server: ServerUnderTest,
  options: Options,
  baselineRps: number | undefined,
): Promise<ScenarioOutcome> {
  const outcome: ScenarioOutcome = {
    name: scenario.name,
    title: scenario.title,
    server: scenario.server,
    errors: 0,
    failed: false,
    notes: [],
  };
  const unavailable = scenario.unavailable?.(context) ?? null;
  if (unavailable) {
    outcome.skipped = unavailable;
    return outcome;
  }
  const spec = {
    ...scenario.spec(context),
    url: server.bases.length === 1 ? server.bases[0] : server.bases,
  };
  if (scenario.warmup) {
    const warmup = Math.min(2, Math.max(0.5, options.duration * 0.2));
    await runLoad({ ...spec, duration: warmup });
  }
  const before = await cpuSnapshot(server);
  const sampler = sampleSessions(server);
  const result = await runLoad({ ...spec, duration: options.duration });
  outcome.dbSessions = await sampler.stop();
  const after = await cpuSnapshot(server);
  outcome.result = result;
  if (result.requests > 0) {
    let db = 0;
    for (const [pid, used] of after.db) db += used - (before.db.get(pid) ?? 0);
    const perRequest = (s: number) => Math.round((s * 1000 * 100) / result.requests) / 100;
    outcome.cpuMsPerRequest = {
      server: perRequest(after.server - before.server),
      db: server.dbApplication ? perRequest(db) : null,
      client: perRequest(after.client - before.client),
    };
  }
  // The target is per process: the largest instance's, each one's in the notes.
  const rss = server.children.map((child) => rssMiB(child.pid) ?? 0);
  outcome.rssMiB = Math.max(...rss);
  if (rss.length > 1) {
    outcome.notes.push(`RSS per instance: ${rss.map((r) => r.toFixed(0)).join(', ')} MiB`);
  }
  outcome.errors = result.non2xx + result.socketErrors + result.badBodies;
  outcome.failed = outcome.errors > 0 || result.requests === 0;
  if (result.requests === 0) {
    outcome.notes.push(
      `no answer within the ${options.duration} s measured (${result.sent} requests sent): ` +
        'each takes longer; try a longer --duration',
    );
  }
  const drained = await waitUntilQuiet(server);
  if (drained > 1) {
    outcome.notes.push(
      `the server's database sessions were busy ${drained.toFixed(0)} s after the load stopped`,
    );
  }
  if (result.badBodies > 0) outcome.notes.push(`${result.badBodies} 2xx answers with a wrong body`);
  // A batch request carries 1000 records: its req/s is not comparable to the baseline's.
  const reference = scenario.name === 'baseline' ? result.rps : baselineRps;
  if (reference && !scenario.recordsPerRequest) {
    outcome.ratio = Math.round((result.rps / reference) * 100) / 100;
  }
  if (scenario.recordsPerRequest) {
    outcome.recordsPerSecond = Math.round(result.rps * scenario.recordsPerRequest);
  }
  if (spec.maxRequests !== undefined && result.seconds < options.duration - 0.5) {
    outcome.notes.push(
      `stopped after ${result.requests} requests in ${result.seconds} s: every seeded candidate was used`,
    );
  }
  return outcome;
}

function progressLine(o: ScenarioOutcome): string {
  if (!o.result) return `  ${o.name}: skipped (${o.skipped})`;
  const r = o.result;
  return (
    `  ${o.name}: ${r.rps.toFixed(1)} req/s, p50 ${r.p50.toFixed(1)} ms, p99 ${r.p99.toFixed(1)} ms, ` +
    `${o.errors} errors${o.ratio !== undefined ? `, ${o.ratio.toFixed(2)}x baseline` : ''}` +
    `${o.rssMiB ? `, RSS ${o.rssMiB.toFixed(0)} MiB` : ''}` +
    `${o.cpuMsPerRequest ? `, cpu/req ${o.cpuMsPerRequest.server} ms server + ${o.cpuMsPerRequest.db ?? '-'} ms db + ${o.cpuMsPerRequest.client} ms client` : ''}` +
    `${o.dbSessions ? `\n      db sessions: ${describeSessions(o.dbSessions)}` : ''}` +
    `${o.failed ? '  FAILED' : ''}`
  );
}

function describeSessions(shares: SessionShares): string {
  return Object.entries(shares)
    .filter(([, pct]) => pct >= 1)
    .map(([state, pct]) => `${pct.toFixed(0)}% ${state}`)
    .join(', ');
}

main()
  .then((code) => process.exit(code))
  .catch(async (error: unknown) => {
    await stopAll();
    if (error instanceof UsageError) {
      console.error(
        `${error.message}\nusage: npm run bench -- --scale small|medium|large [--duration 10] ` +
          `[--connections 32] [--only ${SCENARIO_NAMES.join(',')}] [--database-url URL] [--reseed] ` +
          '[--pool-size N] [--instances N] [--profile] [--node-flags "--max-old-space-size=128"]',
      );
      process.exit(2);
    }
    console.error(error instanceof Error ? (error.stack ?? error.message) : error);
    process.exit(1);
  });
