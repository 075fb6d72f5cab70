import 'reflect-metadata';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { MIGRATIONS } from '../../migrations';
import { PasswordHasher } from '../../src/identity/auth/password-hasher';
import { dataSourceOptions } from '../../src/infrastructure/database/data-source-options';
import {
  createDatabase,
  databaseExists,
  databaseOf,
  dropDatabase,
  redact,
  withDatabaseClient,
} from '../lib/database';
import { hasVerifiableAuditLog, seedAuditEvents } from './audit';
import { deferKeysAndIndexes, restoreKeysAndIndexes } from './bulk';
import { buildPlan } from './plan';
import {
  BENCH_PASSWORD,
  GENERATOR_VERSION,
  MARKER_TABLE,
  SCALES,
  SEED,
  type Scale,
} from './scales';
import { BENCH_FIELD_ENCRYPTION_KEYS, streamAttendanceAndEvents, writeTables } from './write';
import { sequenceAuditLog } from './sequence';
import { verifySeed } from './verify';

/** Tables this seed fills (audit_events only on the verifiable audit log schema). */
const TABLES = [
  'agencies',
  'users',
  'api_clients',
  'participants',
  'arrest_records',
  'arrest_record_disclosures',
  'enrollments',
  'enrollment_extensions',
  'consents',
  'milestones',
  'attendance_records',
  'court_reviews',
  'sealing_notices',
  'outbox_events',
];

export interface SeedMarker {
  scale: Scale;
  generator_version: number;
  seed: number;
  anchor_date: string;
  migrations: string[];
  counts: Record<string, number>;
  seconds: number;
  seeded_at: string;
}

export interface SeedResult {
  scale: Scale;
  database: string;
  seconds: number;
  phases: Record<string, number>;
  counts: Record<string, number>;
  sizeBytes: number;
}

export const migrationNames = (): string[] =>
  MIGRATIONS.map((m) => (m as unknown as { name: string }).name);

/** The marker of a seeded database, or null when it has none (or does not exist). */
export async function readMarker(url: string): Promise<SeedMarker | null> {
  if (!(await databaseExists(url))) return null;
  return withDatabaseClient(url, async (db) => {
    const { rows } = await db.query<{ exists: boolean }>(
      `SELECT to_regclass($1) IS NOT NULL AS exists`,
      [MARKER_TABLE],
    );
    if (!rows[0].exists) return null;
    const marker = await db.query<SeedMarker>(
      `SELECT scale, generator_version, seed, to_char(anchor_date, 'YYYY-MM-DD') AS anchor_date,
              migrations, counts, seconds::float8 AS seconds, seeded_at::text AS seeded_at
         FROM ${MARKER_TABLE}`,
    );
    return marker.rows[0] ?? null;
  });
}

/**
 * The migrations newer than a seeded database's, when its own are exactly the first ones of
 * the current list (it only predates them); null when it cannot be brought forward (another
 * scale or generator, or a migration it holds was renamed or removed).
 */
export function pendingMigrations(marker: SeedMarker | null, scale: Scale): string[] | null {
  if (!marker || marker.scale !== scale || marker.generator_version !== GENERATOR_VERSION) {
    return null;
  }
  const current = migrationNames();
  const prefix = current.slice(0, marker.migrations.length);
  if (prefix.join(',') !== marker.migrations.join(',')) return null;
  return current.slice(marker.migrations.length);
}

/**
 * Applies the newer migrations to a seeded database (the app's own data source, as a
 * release would) and records them in its marker: a new migration does not cost a fresh seed
 * (the large scale takes many minutes). Data the generator would write for the new schema
 * is not added; the generator version says when it must be.
 */
export async function migrateSeeded(url: string): Promise<string[]> {
  const dataSource = new DataSource({
    ...dataSourceOptions({ kind: 'server', url, poolSize: 2 }),
    logging: ['error'],
  });
  await dataSource.initialize();
  // A migration that encrypts stored plaintext (arrest locations seeded before it) reads the
  // key from the environment: the benchmark servers' key, not one generated here.
  const saved = {
    keys: process.env.FIELD_ENCRYPTION_KEYS,
    keyId: process.env.FIELD_ENCRYPTION_KEY_ID,
  };
  process.env.FIELD_ENCRYPTION_KEYS = BENCH_FIELD_ENCRYPTION_KEYS;
  delete process.env.FIELD_ENCRYPTION_KEY_ID;
  try {
    const applied = await dataSource.runMigrations({ transaction: 'each' });
    await dataSource.query(`UPDATE ${MARKER_TABLE} SET migrations = $1`, [migrationNames()]);
    await dataSource.query('ANALYZE');
    return applied.map((m) => m.name);
  } finally {
    if (saved.keys === undefined) delete process.env.FIELD_ENCRYPTION_KEYS;
    else process.env.FIELD_ENCRYPTION_KEYS = saved.keys;
    if (saved.keyId !== undefined) process.env.FIELD_ENCRYPTION_KEY_ID = saved.keyId;
    await dataSource.destroy();
  }
}

/** Why a database cannot serve as the seeded `scale` as it is, or null when it can. */
export function markerProblem(marker: SeedMarker | null, scale: Scale): string | null {
  if (!marker) return 'no seeded database (no marker)';
  if (marker.scale !== scale) return `it holds scale ${marker.scale}`;
  if (marker.generator_version !== GENERATOR_VERSION) {
    return `it was seeded by generator version ${marker.generator_version}, this is ${GENERATOR_VERSION}`;
  }
  const current = migrationNames();
  if (marker.migrations.join(',') !== current.join(',')) {
    return 'its schema predates the current migrations';
  }
  return null;
}

/**
 * Creates (or re-creates) the benchmark database at `url`, applies the app's migrations with
 * the app's own data source, loads the scale's data with COPY, checks it, and ANALYZEs.
 * A database that exists is dropped first only if an earlier seed made it (marker table, or a
 * first_step_bench_ name); any other non-empty database is refused.
 */
export async function seedDatabase(
  scale: Scale,
  url: string,
  log: (line: string) => void = console.log,
): Promise<SeedResult> {
  const started = performance.now();
  const phases: Record<string, number> = {};
  let mark = performance.now();
  const phase = (name: string) => {
    const now = performance.now();
    phases[name] = Math.round(now - mark) / 1000;
    log(`  ${name}: ${phases[name].toFixed(1)} s`);
    mark = now;
  };
  const name = databaseOf(url);
  log(`seeding ${SCALES[scale].participants} participants (${scale}) into ${redact(url)}`);

  if (await databaseExists(url)) {
    const ours = name.startsWith('first_step_bench_') || (await readMarker(url)) !== null;
    if (!ours) {
      const tables = await withDatabaseClient(url, async (db) => {
        const { rows } = await db.query<{ n: string }>(
          `SELECT count(*) AS n FROM pg_tables WHERE schemaname = 'public'`,
        );
        return Number(rows[0].n);
      });
      if (tables > 0) {
        throw new Error(
          `${name} exists, has tables and was not made by this seed: refusing to overwrite it`,
        );
      }
    } else {
      await dropDatabase(url);
    }
  }
  if (!(await databaseExists(url))) await createDatabase(url);
  phase('create database');

  const dataSource = new DataSource({
    ...dataSourceOptions({ kind: 'server', url, poolSize: 2 }),
    logging: ['error'],
  });
  await dataSource.initialize();
  try {
    await dataSource.runMigrations({ transaction: 'each' });
  } finally {
    await dataSource.destroy();
  }
  phase('migrations');

  const passwordHash = await new PasswordHasher().hash(BENCH_PASSWORD);
  const a = new Client({ connectionString: url, application_name: 'first-step-bench-seed' });
  const b = new Client({ connectionString: url, application_name: 'first-step-bench-seed' });
  await a.connect();
  await b.connect();
  try {
    for (const db of [a, b]) {
      await db.query(`SET synchronous_commit = off`);
      await db.query(`SET maintenance_work_mem = '256MB'`);
      await db.query(`SET TIME ZONE 'UTC'`);
    }
    const program = await a.query<{
      id: string;
      length_days: number;
      guardian_consent_required: boolean;
    }>(`SELECT id, length_days, guardian_consent_required FROM programs WHERE code = 'first-step'`);
    const { rows: today } = await a.query<{ day: number }>(
      `SELECT (current_date - date '1970-01-01') AS day`,
    );
    const plan = buildPlan(SCALES[scale], {
      seed: SEED,
      anchorDay: today[0].day,
      programId: program.rows[0].id,
      programLengthDays: program.rows[0].length_days,
      guardianConsentRequired: program.rows[0].guardian_consent_required,
    });
    phase('plan (in memory)');

    const audit = await hasVerifiableAuditLog(a);
    const deferred = await deferKeysAndIndexes(a, audit ? [...TABLES, 'audit_events'] : TABLES);
    const counts = await writeTables([a, b], plan, passwordHash);
    phase('small tables');
    const streamed = await streamAttendanceAndEvents(a, b, plan, SEED);
    counts.attendance_records = streamed.attendance;
    counts.outbox_events = streamed.events;
    phase('attendance and outbox (COPY)');
    const auditRows = await seedAuditEvents(a, plan, SEED, log);
    if (auditRows !== null) {
      counts.audit_events = auditRows;
      phase('audit events (COPY)');
    }
    await restoreKeysAndIndexes([a, b], deferred);
    phase('keys, indexes and foreign keys');

    await a.query(`SELECT setval('participant_case_number_seq', $1)`, [plan.participants.length]);
    await verifySeed(a);
    phase('verify');
    await a.query('ANALYZE');
    phase('analyze');
    if (auditRows !== null) {
      await sequenceAuditLog(url);
      await a.query('ANALYZE audit_log, audit_tree_nodes');
      phase('audit log sequenced by the app');
    }

    const seconds = Math.round(performance.now() - started) / 1000;
    await a.query(`CREATE TABLE ${MARKER_TABLE} (
      scale text NOT NULL, generator_version integer NOT NULL, seed bigint NOT NULL,
      anchor_date date NOT NULL, migrations text[] NOT NULL, counts jsonb NOT NULL,
      seconds numeric NOT NULL, seeded_at timestamptz NOT NULL DEFAULT now())`);
    await a.query(
      `INSERT INTO ${MARKER_TABLE} (scale, generator_version, seed, anchor_date, migrations, counts, seconds)
       VALUES ($1, $2, $3, current_date, $4, $5, $6)`,
      [scale, GENERATOR_VERSION, SEED, migrationNames(), JSON.stringify(counts), seconds],
    );
    // Written out now rather than during the first benchmark (needs superuser or pg_checkpoint).
    await a.query('CHECKPOINT').catch(() => undefined);
    const size = await a.query<{ size: string }>(
      `SELECT pg_database_size(current_database()) AS size`,
    );
    return {
      scale,
      database: name,
      seconds,
      phases,
      counts,
      sizeBytes: Number(size.rows[0].size),
    };
  } finally {
    await a.end();
    await b.end();
  }
}
