/**
 * The repository queries worth reading and planning: the scoped ones (one text per kind of
 * caller) and the hot ones. Shared by `npm run queries` (their text, on placeholder ids) and
 * `npm run bench:plans` (their plans, on a seeded database with real callers and ids).
 */
import type { INestApplicationContext } from '@nestjs/common';
import { ArrestRecordsRepository } from '../src/arrest-records/arrest-records.repository';
import { AttendanceRepository } from '../src/attendance/attendance.repository';
import { AuditEventsRepository } from '../src/audit/audit-events.repository';
import { ConsentsRepository } from '../src/enrollments/consents.repository';
import { WORK_LISTS } from '../src/enrollments/domain/work-lists';
import { EnrollmentViewsRepository } from '../src/enrollments/enrollment-views.repository';
import { EnrollmentsRepository } from '../src/enrollments/enrollments.repository';
import { MilestonesRepository } from '../src/enrollments/milestones/milestones.repository';
import { OutboxRepository } from '../src/events/outbox.repository';
import type { Caller } from '../src/identity/access/caller';
import { UnitOfWork } from '../src/infrastructure/database/unit-of-work';
import { ParticipantsRepository } from '../src/participants/participants.repository';
import { OutcomesReportRepository } from '../src/reports/outcomes-report.repository';
import { SealingNoticesRepository } from '../src/sealing/sealing-notices.repository';

/** The rows a query is asked about: placeholders for the text, real rows for a plan. */
export interface CatalogIds {
  enrollmentId: string;
  participantId: string;
  milestoneId: string;
  arrestRecordId: string;
  /** A name prefix to search for. */
  searchText: string;
  /** The `nextCursor` of a page deep into the caller's enrollments (absent: first page only). */
  deepEnrollmentCursor?: string;
}

const ID = '00000000-0000-4000-8000-0000000000d1';
const AGENCY = '00000000-0000-4000-8000-00000000a9e1';

export const PLACEHOLDER_IDS: CatalogIds = {
  enrollmentId: ID,
  participantId: ID,
  milestoneId: ID,
  arrestRecordId: ID,
  searchText: 'mar',
};

/** The kinds of caller the scoping predicates tell apart. */
export const CALLER_KINDS = [
  'coordinator',
  'provider',
  'court',
  'admin',
  'auditor',
  'client',
] as const;
export type CallerKind = (typeof CALLER_KINDS)[number];

const user = (role: Exclude<CallerKind, 'client'>): Caller => ({
  id: ID,
  kind: 'user',
  role,
  agencyId: AGENCY,
  scopes: [],
});

/** One canned caller per kind, for the query texts. */
export const PLACEHOLDER_CALLERS: Record<CallerKind, Caller> = {
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

type Run = (app: INestApplicationContext, caller: Caller, ids: CatalogIds) => Promise<unknown>;

export interface CatalogQuery {
  /** Run once per kind of caller (scoped), or once as an admin. */
  scoped: boolean;
  run: Run;
  /** Only when the ids carry what it needs (a deep cursor). */
  needs?: keyof CatalogIds;
}

/** The queries, per repository file name. */
export const QUERY_CATALOG: Record<string, Record<string, CatalogQuery>> = {
  'enrollment-views': {
    findVisible: {
      scoped: true,
      run: (app, caller, ids) =>
        app.get(EnrollmentViewsRepository).findVisible(caller, ids.enrollmentId),
    },
  },
  enrollments: {
    pageVisible: {
      scoped: true,
      run: (app, caller) => app.get(EnrollmentViewsRepository).pageVisible(caller, { limit: 50 }),
    },
    ...Object.fromEntries(
      WORK_LISTS.map((view): [string, CatalogQuery] => [
        `pageVisible view=${view}`,
        {
          scoped: true,
          run: (app, caller) =>
            app.get(EnrollmentViewsRepository).pageVisible(caller, { limit: 50, view }),
        },
      ]),
    ),
    'pageVisible, a deep page': {
      scoped: true,
      needs: 'deepEnrollmentCursor',
      run: (app, caller, ids) =>
        app
          .get(EnrollmentViewsRepository)
          .pageVisible(caller, { limit: 50, cursor: ids.deepEnrollmentCursor }),
    },
    pendingReviewPage: {
      scoped: true,
      run: (app, caller) => app.get(EnrollmentsRepository).pendingReviewPage(caller, { limit: 50 }),
    },
    lockVisible: {
      scoped: true,
      run: (app, caller, ids) =>
        app
          .get(UnitOfWork)
          .run(() => app.get(EnrollmentsRepository).lockVisible(caller, ids.enrollmentId))
          .catch(() => undefined),
    },
  },
  consents: {
    enrollmentOfVisible: {
      scoped: true,
      run: (app, caller, ids) =>
        app.get(ConsentsRepository).enrollmentOfVisible(caller, ids.enrollmentId),
    },
  },
  milestones: {
    visible: {
      scoped: true,
      run: (app, caller, ids) =>
        app.get(MilestonesRepository).visible(caller, { milestoneId: ids.milestoneId }),
    },
    findDetailsVisible: {
      scoped: true,
      run: (app, caller, ids) =>
        app.get(MilestonesRepository).findDetailsVisible(caller, ids.milestoneId),
    },
    lockWritable: {
      scoped: true,
      run: (app, caller, ids) =>
        app
          .get(UnitOfWork)
          .run(() => app.get(MilestonesRepository).lockWritable(caller, [ids.milestoneId])),
    },
  },
  attendance: {
    listPage: {
      scoped: false,
      run: (app, _caller, ids) => app.get(AttendanceRepository).listPage(ids.milestoneId, 50),
    },
    findByExternalIds: {
      scoped: true,
      run: (app, caller) => app.get(AttendanceRepository).findByExternalIds(caller, ['ext-1']),
    },
    progressFacts: {
      scoped: false,
      run: (app, _caller, ids) =>
        app
          .get(AttendanceRepository)
          .progressFacts(
            [ids.milestoneId],
            [{ enrollmentId: ids.enrollmentId, timeZone: 'America/Los_Angeles' }],
          ),
    },
  },
  participants: {
    findVisible: {
      scoped: true,
      run: (app, caller, ids) =>
        app.get(ParticipantsRepository).findVisible(caller, ids.participantId),
    },
    search: {
      scoped: true,
      run: (app, caller, ids) =>
        app.get(ParticipantsRepository).search(caller, { text: ids.searchText, limit: 50 }),
    },
  },
  'arrest-records': {
    findVisible: {
      scoped: true,
      run: (app, caller, ids) =>
        app.get(ArrestRecordsRepository).findVisible(caller, ids.arrestRecordId),
    },
    'findVisible with a stated purpose': {
      scoped: true,
      run: (app, caller, ids) =>
        app
          .get(ArrestRecordsRepository)
          .findVisible(caller, ids.arrestRecordId, { accessPurpose: 'review' }),
    },
    listForParticipant: {
      scoped: true,
      run: (app, caller, ids) =>
        app
          .get(ArrestRecordsRepository)
          .listForParticipant(caller, ids.participantId, { limit: 50 }),
    },
  },
  'outcomes-report': {
    figures: {
      scoped: true,
      run: (app, caller) =>
        app
          .get(OutcomesReportRepository)
          .figures(caller, { from: '2026-01-01', to: '2026-12-31', site: 'Compton' }),
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
      run: (app, _caller, ids) =>
        app
          .get(AuditEventsRepository)
          .page({ subjectId: ids.enrollmentId }, { txid: '0', position: '0' }, 51),
    },
  },
};
