/**
 * Writes the SQL of the scoped and hot repository queries to docs/queries/*.sql
 * (`npm run queries`), one file per repository, each query once for every kind of caller it
 * is scoped for. A reviewer then sees a change to a scoping predicate whole, in a diff, for
 * each role it touches (immich commits its queries the same way). test/queries.e2e-spec.ts
 * fails when a committed file is stale.
 *
 * Queries are captured from the app's own repositories, run on an empty in-memory database:
 * only their text matters here, never their results.
 */
import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import type { INestApplicationContext } from '@nestjs/common';
import { AsyncLocalStorage } from 'node:async_hooks';
import { generateKeyPairSync } from 'node:crypto';
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger as TypeOrmLogger } from 'typeorm';
import { DataSource } from 'typeorm';
import { AppModule } from '../src/app.module';
import { ArrestRecordsRepository } from '../src/arrest-records/arrest-records.repository';
import { AttendanceRepository } from '../src/attendance/attendance.repository';
import { AuditEventsRepository } from '../src/audit/audit-events.repository';
import { AppConfig } from '../src/common/config/app-config';
import { ConsentsRepository } from '../src/enrollments/consents.repository';
import { EnrollmentViewsRepository } from '../src/enrollments/enrollment-views.repository';
import { EnrollmentsRepository } from '../src/enrollments/enrollments.repository';
import { MilestonesRepository } from '../src/enrollments/milestones/milestones.repository';
import { OutboxRepository } from '../src/events/outbox.repository';
import type { Caller } from '../src/identity/access/caller';
import { UnitOfWork } from '../src/infrastructure/database/unit-of-work';
import { ParticipantsRepository } from '../src/participants/participants.repository';
import { SealingNoticesRepository } from '../src/sealing/sealing-notices.repository';

export const QUERIES_DIR = join(__dirname, '..', 'docs', 'queries');

const AGENCY = '00000000-0000-4000-8000-00000000a9e1';
const ID = '00000000-0000-4000-8000-0000000000d1';
const user = (role: Caller['role']): Caller => ({
  id: ID,
  kind: 'user',
  role,
  agencyId: AGENCY,
  scopes: [],
});

/** One canned caller per kind of scope the predicates distinguish. */
const CALLERS: Record<string, Caller> = {
  coordinator: user('coordinator'),
  provider: user('provider'),
  court: user('court'),
  admin: user('admin'),
  auditor: user('auditor'),
  client: {
    id: ID,
    kind: 'client',
    agencyId: AGENCY,
    scopes: ['participants:read', 'enrollments:read', 'attendance:write', 'events:read'],
  },
};

type Capture = (repositories: INestApplicationContext, caller: Caller) => Promise<unknown>;

/** The queries to show, per repository: each run once per caller (scoped) or once (not). */
const QUERIES: Record<string, Record<string, { scoped: boolean; run: Capture }>> = {
  'enrollment-views': {
    findVisible: {
      scoped: true,
      run: (app, caller) => app.get(EnrollmentViewsRepository).findVisible(caller, ID),
    },
    ofIds: {
      scoped: true,
      run: (app, caller) => app.get(EnrollmentViewsRepository).ofIds(caller, [ID]),
    },
  },
  enrollments: {
    listVisible: {
      scoped: true,
      run: (app, caller) => app.get(EnrollmentsRepository).listVisible(caller, { limit: 50 }),
    },
    pendingReviewPage: {
      scoped: true,
      run: (app, caller) => app.get(EnrollmentsRepository).pendingReviewPage(caller, { limit: 50 }),
    },
    lockVisible: {
      scoped: true,
      run: (app, caller) =>
        app
          .get(UnitOfWork)
          .run(() => app.get(EnrollmentsRepository).lockVisible(caller, ID))
          .catch(() => undefined),
    },
  },
  consents: {
    enrollmentOfVisible: {
      scoped: true,
      run: (app, caller) => app.get(ConsentsRepository).enrollmentOfVisible(caller, ID),
    },
  },
  milestones: {
    visible: {
      scoped: true,
      run: (app, caller) => app.get(MilestonesRepository).visible(caller, { milestoneId: ID }),
    },
    findDetailsVisible: {
      scoped: true,
      run: (app, caller) => app.get(MilestonesRepository).findDetailsVisible(caller, ID),
    },
    lockWritable: {
      scoped: true,
      run: (app, caller) =>
        app.get(UnitOfWork).run(() => app.get(MilestonesRepository).lockWritable(caller, [ID])),
    },
  },
  attendance: {
    listPage: { scoped: false, run: (app) => app.get(AttendanceRepository).listPage(ID, 50) },
    findByExternalIds: {
      scoped: true,
      run: (app, caller) => app.get(AttendanceRepository).findByExternalIds(caller, ['ext-1']),
    },
  },
  participants: {
    findVisible: {
      scoped: true,
      run: (app, caller) => app.get(ParticipantsRepository).findVisible(caller, ID),
    },
    search: {
      scoped: true,
      run: (app, caller) =>
        app.get(ParticipantsRepository).search(caller, { text: 'mar', limit: 50 }),
    },
  },
  'arrest-records': {
    findVisible: {
      scoped: true,
      run: (app, caller) => app.get(ArrestRecordsRepository).findVisible(caller, ID),
    },
    'findVisible with a stated purpose': {
      scoped: true,
      run: (app, caller) =>
        app.get(ArrestRecordsRepository).findVisible(caller, ID, { accessPurpose: 'review' }),
    },
    listForParticipant: {
      scoped: true,
      run: (app, caller) =>
        app.get(ArrestRecordsRepository).listForParticipant(caller, ID, { limit: 50 }),
    },
  },
  'sealing-notices': {
    page: {
      scoped: true,
      run: (app, caller) => app.get(SealingNoticesRepository).page(caller, { limit: 50 }),
    },
  },
  outbox: {
    feedPage: {
      scoped: true,
      run: (app, caller) =>
        app.get(OutboxRepository).feedPage(caller, { txid: '0', position: '0' }, { limit: 50 }),
    },
  },
  'audit-events': {
    page: {
      scoped: false,
      run: (app) =>
        app.get(AuditEventsRepository).page({ subjectId: ID }, { txid: '0', position: '0' }, 51),
    },
  },
};

/** One statement per line run of whitespace collapsed: a stable, diff-friendly text. */
function normalise(sql: string): string {
  return sql.replace(/\s+/g, ' ').trim();
}

/**
 * Runs every query with the database's logger capturing what is sent: only what the query's
 * own call sends (AsyncLocalStorage), never what a background job sends meanwhile.
 */
export async function captureQueries(app: INestApplicationContext): Promise<Map<string, string>> {
  const dataSource = app.get(DataSource);
  const original = dataSource.logger;
  const capture = new AsyncLocalStorage<string[]>();
  const capturing: TypeOrmLogger = {
    ...original,
    logQuery: (query: string) => {
      if (!/^(START TRANSACTION|COMMIT|ROLLBACK|BEGIN)/i.test(query.trim())) {
        capture.getStore()?.push(normalise(query));
      }
    },
    logQueryError: original.logQueryError.bind(original),
    logQuerySlow: original.logQuerySlow.bind(original),
    logSchemaBuild: original.logSchemaBuild.bind(original),
    logMigration: original.logMigration.bind(original),
    log: original.log.bind(original),
  };
  Object.defineProperty(dataSource, 'logger', { value: capturing, configurable: true });
  const files = new Map<string, string>();
  try {
    for (const [file, queries] of Object.entries(QUERIES)) {
      const parts = [
        `-- The ${file} repository's scoped and hot queries, as sent to PostgreSQL.`,
        '-- Generated by `npm run queries`; do not edit by hand.',
      ];
      for (const [name, query] of Object.entries(queries)) {
        const callers = query.scoped
          ? Object.entries(CALLERS)
          : [['any caller', CALLERS.admin] as const];
        for (const [who, caller] of callers) {
          const captured: string[] = [];
          await capture.run(captured, () => query.run(app, caller));
          parts.push('', `-- ${name} (${who})`, ...captured.map((sql) => `${sql};`));
        }
      }
      files.set(`${file}.sql`, `${parts.join('\n')}\n`);
    }
  } finally {
    Object.defineProperty(dataSource, 'logger', { value: original, configurable: true });
  }
  return files;
}

/** The app without HTTP, on a fresh in-memory database: repositories as the app builds them. */
export async function queriesContext(): Promise<INestApplicationContext> {
  const config = AppConfig.fromEnvironment({
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    PGLITE_DIR: 'memory://',
    JWT_SECRET: 'queries-script-secret-that-is-long-enough',
    WEBHOOK_SECRET_KEY: Buffer.alloc(32, 1).toString('base64'),
    FIELD_ENCRYPTION_KEYS: `queries:${Buffer.alloc(32, 2).toString('base64')}`,
    AUDIT_SEQUENCER_ENABLED: 'false',
    WEBHOOK_WORKER_ENABLED: 'false',
    AUDIT_SIGNING_KEY: generateKeyPairSync('ed25519')
      .privateKey.export({ format: 'pem', type: 'pkcs8' })
      .toString(),
  });
  return NestFactory.createApplicationContext(AppModule.forRoot(config), { logger: false });
}

async function main(): Promise<void> {
  const app = await queriesContext();
  try {
    const files = await captureQueries(app);
    rmSync(QUERIES_DIR, { recursive: true, force: true });
    mkdirSync(QUERIES_DIR, { recursive: true });
    for (const [name, text] of files) writeFileSync(join(QUERIES_DIR, name), text);
    process.stdout.write(`wrote ${readdirSync(QUERIES_DIR).length} files in ${QUERIES_DIR}\n`);
  } finally {
    await app.close();
  }
}

if (require.main === module) {
  main().then(
    () => process.exit(0),
    (error: unknown) => {
      process.stderr.write(
        `${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
      );
      process.exit(1);
    },
  );
}
