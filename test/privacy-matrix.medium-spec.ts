/**
 * The privacy matrix: every predicate of src/privacy/visibility.ts, evaluated directly in SQL
 * (`SELECT id FROM <table> WHERE <predicate.sql>` with its parameter) for every kind of caller
 * of one small county, against the rows a reviewer can read below.
 *
 * The expected tables say what PRODUCT.md ("Data that needs care", "Sealing, precisely") and
 * the comments of visibility.ts require: `Y` visible, `.` not. A cell marked `*` is one where
 * the code disagrees with that rule today: it is checked by its own `it.failing` naming the
 * rule, so the matrix stays green while the disagreement is open and turns red the day the
 * predicate changes (then drop the `*`).
 *
 * Client scopes gate routes, not rows: every predicate but attendance writability (whose
 * comment names the `attendance:write` scope) reads the agency only.
 */
import { ArrestRecordsService } from '../src/arrest-records/arrest-records.service';
import { ConsentsService } from '../src/enrollments/consents.service';
import { RevokeConsentDto } from '../src/enrollments/dto/consent.dto';
import type { Caller } from '../src/identity/access/caller';
import {
  agencyEnrollmentScope,
  agencyMilestoneDetailsScope,
  arrestRecordVisibleTo,
  attendanceWritableBy,
  enrollmentReportableBy,
  enrollmentVisibleTo,
  milestoneDetailsVisibleTo,
  participantVisibleTo,
  sealedArrestRecordVisibleTo,
  sealingNoticeVisibleTo,
  type SqlPredicate,
} from '../src/privacy/visibility';
import { MediumContext, newMediumContext } from './support/medium';

/** The county's callers, in the order of the tables' rows. */
const CALLERS = [
  'coordinator', // district attorney's office
  'otherCoordinator', // a second office (probation)
  'clinicStaff', // provider: mental_health + substance_abuse
  'shelterStaff', // provider: shelter
  'clerk', // the county's court
  'otherClerk', // a court of another county
  'admin', // system agency
  'auditor', // system agency
  'daSystem', // client of the DA: enrollments:read, participants:read
  'clinicAttendance', // client of the clinic: attendance:write
  'clinicReader', // client of the clinic: enrollments:read
  'shelterSystem', // client of the shelter: enrollments:read, attendance:write
  'policeRecords', // client of the arresting police: participants:read, sealing:ack
  'probationSystem', // client of the second office: enrollments:read
  'courtRecords', // client of the court: sealing:ack
] as const;
type CallerName = (typeof CALLERS)[number];

/*
 * The county's records (table columns):
 * - enrollments, all arrested by the police:
 *   part2      DA, active; a substance_abuse milestone (42 CFR Part 2) at the clinic, 1 of 3 attended
 *   shared     DA, active; mental_health at the clinic and shelter at the shelter; a live
 *              information-sharing consent naming the shelter for mental_health, and a revoked
 *              one naming the clinic for shelter
 *   review     DA, pending court review; mental_health at the clinic (met); an expired
 *              information-sharing consent naming the shelter for mental_health
 *   completed  DA, confirmed by the county court: its arrest record is sealed; the clerk read
 *              that record during review, so the court holds a copy and gets a notice too
 *   other      the second office, active; shelter at the shelter
 * - participants: one per enrollment, and `unenrolled` (registered by the DA, no enrollment);
 * - arrest records: one per participant (`unenrolled` has one too).
 */

const ENROLLMENTS = `
                    part2  shared  review  completed  other
  coordinator       Y      Y       Y       Y          .
  otherCoordinator  .      .       .       .          Y
  clinicStaff       Y      Y       Y       Y          .
  shelterStaff      .      Y       .       .          Y
  clerk             .      .       Y       Y          .
  otherClerk        .      .       .       .          .
  admin             Y      Y       Y       Y          Y
  auditor           .      .       .       .          .
  daSystem          Y      Y       Y       Y          .
  clinicAttendance  Y      Y       Y       Y          .
  clinicReader      Y      Y       Y       Y          .
  shelterSystem     .      Y       .       .          Y
  policeRecords     .      .       .       .          .
  probationSystem   .      .       .       .          Y
  courtRecords      .      .       .       .          .
`;

const PARTICIPANTS = `
                    unenrolled  part2  shared  review  completed  other
  coordinator       Y           Y      Y       Y       Y          .
  otherCoordinator  .           .      .       .       .          Y
  clinicStaff       .           Y      Y       Y       Y          .
  shelterStaff      .           .      Y       .       .          Y
  clerk             .           .      .       Y       Y          .
  otherClerk        .           .      .       .       .          .
  admin             Y           Y      Y       Y       Y          Y
  auditor           .           .      .       .       .          .
  daSystem          Y           Y      Y       Y       Y          .
  clinicAttendance  .           Y      Y       Y       Y          .
  clinicReader      .           Y      Y       Y       Y          .
  shelterSystem     .           .      Y       .       .          Y
  policeRecords     .           .      .       .       .          .
  probationSystem   .           .      .       .       .          Y
  courtRecords      .           .      .       .       .          .
`;

/** The ordinary path: never a sealed record, whoever asks; never to providers or auditors. */
const ARREST_RECORDS = `
                    unenrolled  part2  shared  review  completed  other
  coordinator       Y           Y      Y       Y       .          .
  otherCoordinator  .           .      .       .       .          Y
  clinicStaff       .           .      .       .       .          .
  shelterStaff      .           .      .       .       .          .
  clerk             .           .      .       Y       .          .
  otherClerk        .           .      .       .       .          .
  admin             Y           Y      Y       Y       .          Y
  auditor           .           .      .       .       .          .
  daSystem          Y           Y      Y       Y       .          .
  clinicAttendance  .           .      .       .       .          .
  clinicReader      .           .      .       .       .          .
  shelterSystem     .           .      .       .       .          .
  policeRecords     Y           Y      Y       Y       .          Y
  probationSystem   .           .      .       .       .          Y
  courtRecords      .           .      .       .       .          .
`;

/** The narrow path to sealed records (a purpose stated, audited): the deciding court and admins. */
const SEALED_ARREST_RECORDS = `
                    unenrolled  part2  shared  review  completed  other
  coordinator       .           .      .       .       .          .
  otherCoordinator  .           .      .       .       .          .
  clinicStaff       .           .      .       .       .          .
  shelterStaff      .           .      .       .       .          .
  clerk             .           .      .       .       Y          .
  otherClerk        .           .      .       .       .          .
  admin             .           .      .       .       Y          .
  auditor           .           .      .       .       .          .
  daSystem          .           .      .       .       .          .
  clinicAttendance  .           .      .       .       .          .
  clinicReader      .           .      .       .       .          .
  shelterSystem     .           .      .       .       .          .
  policeRecords     .           .      .       .       .          .
  probationSystem   .           .      .       .       .          .
  courtRecords      .           .      .       .       .          .
`;

/**
 * Session-level details (attendance records, progress counts): the delivering provider, the
 * coordinating agency, agencies named in a live information-sharing consent; for everyone else
 * "met / not met" only. Admins are not treatment staff and see no shelter details.
 */
const MILESTONE_DETAILS = `
                    part2.SA  shared.MH  shared.shelter  review.MH  completed.MH  other.shelter
  coordinator       Y         Y          Y               Y          Y             .
  otherCoordinator  .         .          .               .          .             Y
  clinicStaff       Y         Y          .               Y          Y             .
  shelterStaff      .         Y          Y               .          .             Y
  clerk             .         .          .               .          .             .
  otherClerk        .         .          .               .          .             .
  admin             .         .          .               .          .             .
  auditor           .         .          .               .          .             .
  daSystem          Y         Y          Y               Y          Y             .
  clinicAttendance  Y         Y          .               Y          Y             .
  clinicReader      Y         Y          .               Y          Y             .
  shelterSystem     .         Y          Y               .          .             Y
  policeRecords     .         .          .               .          .             .
  probationSystem   .         .          .               .          .             Y
  courtRecords      .         .          .               .          .             .
`;

/** Notices of the completed enrollment's sealing, addressed to the police and to the court. */
const SEALING_NOTICES = `
                    toPolice  toCourt
  coordinator       Y         Y
  otherCoordinator  .         .
  clinicStaff       .         .
  shelterStaff      .         .
  clerk             .         .
  otherClerk        .         .
  admin             Y         Y
  auditor           .         .
  daSystem          .         .
  clinicAttendance  .         .
  clinicReader      .         .
  shelterSystem     .         .
  policeRecords     Y         .
  probationSystem   .         .
  courtRecords      .         Y
`;

/** Whose enrollments each caller counts in the aggregate reports: its agency's as coordinator; all as admin or auditor. */
const REPORTABLE_ENROLLMENTS = `
                    part2  shared  review  completed  other
  coordinator       Y      Y       Y       Y          .
  otherCoordinator  .      .       .       .          Y
  clinicStaff       .      .       .       .          .
  shelterStaff      .      .       .       .          .
  clerk             .      .       .       .          .
  otherClerk        .      .       .       .          .
  admin             Y      Y       Y       Y          Y
  auditor           Y      Y       Y       Y          Y
  daSystem          .      .       .       .          .
  clinicAttendance  .      .       .       .          .
  clinicReader      .      .       .       .          .
  shelterSystem     .      .       .       .          .
  policeRecords     .      .       .       .          .
  probationSystem   .      .       .       .          .
  courtRecords      .      .       .       .          .
`;

/** Who may write attendance to each milestone: the delivering agency's provider users and its `attendance:write` clients. */
const ATTENDANCE_WRITABLE = `
                    part2.SA  shared.MH  shared.shelter  review.MH  completed.MH  other.shelter
  coordinator       .         .          .               .          .             .
  otherCoordinator  .         .          .               .          .             .
  clinicStaff       Y         Y          .               Y          Y             .
  shelterStaff      .         .          Y               .          .             Y
  clerk             .         .          .               .          .             .
  otherClerk        .         .          .               .          .             .
  admin             .         .          .               .          .             .
  auditor           .         .          .               .          .             .
  daSystem          .         .          .               .          .             .
  clinicAttendance  Y         Y          .               Y          Y             .
  clinicReader      .         .          .               .          .             .
  shelterSystem     .         .          Y               .          .             Y
  policeRecords     .         .          .               .          .             .
  probationSystem   .         .          .               .          .             .
  courtRecords      .         .          .               .          .             .
`;

/** Why a `*` cell is the product rule and not the code's answer, per table and caller. */
const DISAGREEMENTS: Record<string, Partial<Record<CallerName, string>>> = {};

type Cell = { expected: boolean; disputed: boolean };
interface Matrix {
  columns: string[];
  cells: Map<CallerName, Cell[]>;
}

/** Reads a table above: a header of column names, then one line per caller of `Y` / `.` cells. */
function parse(text: string): Matrix {
  const [header, ...lines] = text
    .trim()
    .split('\n')
    .map((line) => line.trim().split(/\s+/));
  const cells = new Map<CallerName, Cell[]>();
  for (const [caller, ...marks] of lines) {
    if (!CALLERS.includes(caller as CallerName)) throw new Error(`unknown caller ${caller}`);
    if (marks.length !== header.length) throw new Error(`${caller}: ${marks.length} cells`);
    cells.set(
      caller as CallerName,
      marks.map((mark) => {
        if (!/^[Y.]\*?$/.test(mark)) throw new Error(`${caller}: bad cell ${mark}`);
        return { expected: mark.startsWith('Y'), disputed: mark.endsWith('*') };
      }),
    );
  }
  if (cells.size !== CALLERS.length) throw new Error('every caller needs a line');
  return { columns: header, cells };
}

/** A matrix as text, one line per caller, for a readable diff ('?' where `hide` says so). */
function render(
  columns: string[],
  cell: (caller: CallerName, column: number) => boolean,
  hide: (caller: CallerName, column: number) => boolean,
): string {
  const lines = CALLERS.map((caller) =>
    [
      caller.padEnd(17),
      ...columns.map((c, i) =>
        (hide(caller, i) ? '?' : cell(caller, i) ? 'Y' : '.').padEnd(c.length),
      ),
    ]
      .join(' ')
      .trimEnd(),
  );
  return ['caller'.padEnd(17), ...columns].join(' ') + '\n' + lines.join('\n');
}

/** The predicate's SQL with its one named parameter bound as `$1` (when it uses it: `TRUE` does not). */
function bound(predicate: SqlPredicate): { sql: string; params: string[] } {
  expect(Object.keys(predicate.params)).toEqual(['scopeAgencyId']);
  const sql = predicate.sql.replace(/:scopeAgencyId\b/g, '$1');
  return { sql, params: sql.includes('$1') ? [predicate.params.scopeAgencyId] : [] };
}

describe('privacy matrix: every visibility predicate for every caller', () => {
  let ctx: MediumContext;
  const callers = {} as Record<CallerName, Caller>;
  /** Row ids by table and column name. */
  const ids: Record<string, Record<string, string>> = {};

  beforeAll(async () => {
    ctx = await newMediumContext();
    const da = await ctx.newAgency({ kind: 'district_attorney' });
    const probation = await ctx.newAgency({ kind: 'probation' });
    const clinic = await ctx.newAgency({
      kind: 'service_provider',
      services: ['mental_health', 'substance_abuse'],
    });
    const shelter = await ctx.newAgency({ kind: 'ngo', services: ['shelter'] });
    const court = await ctx.newAgency({ kind: 'court' });
    const otherCourt = await ctx.newAgency({ kind: 'court' });
    const police = await ctx.newAgency({ kind: 'law_enforcement' });
    const system = await ctx.newAgency({ kind: 'system' });

    Object.assign(callers, {
      coordinator: await ctx.newCaller({ role: 'coordinator', agencyId: da.id }),
      otherCoordinator: await ctx.newCaller({ role: 'coordinator', agencyId: probation.id }),
      clinicStaff: await ctx.newCaller({ role: 'provider', agencyId: clinic.id }),
      shelterStaff: await ctx.newCaller({ role: 'provider', agencyId: shelter.id }),
      clerk: await ctx.newCaller({ role: 'court', agencyId: court.id }),
      otherClerk: await ctx.newCaller({ role: 'court', agencyId: otherCourt.id }),
      admin: await ctx.newCaller({ role: 'admin', agencyId: system.id }),
      auditor: await ctx.newCaller({ role: 'auditor', agencyId: system.id }),
      daSystem: await ctx.newClientCaller({
        agencyId: da.id,
        scopes: ['enrollments:read', 'participants:read'],
      }),
      clinicAttendance: await ctx.newClientCaller({
        agencyId: clinic.id,
        scopes: ['attendance:write'],
      }),
      clinicReader: await ctx.newClientCaller({
        agencyId: clinic.id,
        scopes: ['enrollments:read'],
      }),
      shelterSystem: await ctx.newClientCaller({
        agencyId: shelter.id,
        scopes: ['enrollments:read', 'attendance:write'],
      }),
      policeRecords: await ctx.newClientCaller({
        agencyId: police.id,
        scopes: ['participants:read', 'sealing:ack'],
      }),
      probationSystem: await ctx.newClientCaller({
        agencyId: probation.id,
        scopes: ['enrollments:read'],
      }),
      courtRecords: await ctx.newClientCaller({ agencyId: court.id, scopes: ['sealing:ack'] }),
    } satisfies Record<CallerName, Caller>);
    const { coordinator, clinicStaff, shelterStaff, clerk } = callers;
    const arrestingAgencyId = police.id;

    const unenrolled = await ctx.newParticipant(coordinator);
    const unenrolledArrest = await ctx.newArrestRecord(coordinator, {
      participantId: unenrolled.id,
      arrestingAgencyId,
    });

    const part2 = await ctx.newEnrollment({ coordinator, arrestingAgencyId, status: 'active' });
    const part2SA = await ctx.newMilestone({
      coordinator,
      enrollmentId: part2.enrollment.id,
      category: 'substance_abuse',
      provider: clinicStaff,
      required: 3,
      attended: 1,
    });

    const shared = await ctx.newEnrollment({ coordinator, arrestingAgencyId, status: 'active' });
    const sharedMH = await ctx.newMilestone({
      coordinator,
      enrollmentId: shared.enrollment.id,
      category: 'mental_health',
      provider: clinicStaff,
      required: 4,
      attended: 1,
    });
    const sharedShelter = await ctx.newMilestone({
      coordinator,
      enrollmentId: shared.enrollment.id,
      category: 'shelter',
      provider: shelterStaff,
      required: 10,
      attended: 2,
    });
    await ctx.newConsent({
      coordinator,
      enrollmentId: shared.enrollment.id,
      kind: 'information_sharing',
      serviceCategory: 'mental_health',
      recipientAgencyId: shelter.id,
    });
    const revoked = await ctx.newConsent({
      coordinator,
      enrollmentId: shared.enrollment.id,
      kind: 'information_sharing',
      serviceCategory: 'shelter',
      recipientAgencyId: clinic.id,
    });
    const reason = await ctx.body(RevokeConsentDto, { reason: 'Changed her mind' });
    await ctx.act(() => ctx.get(ConsentsService).revoke(coordinator, revoked.id, reason));

    const plan = { category: 'mental_health', provider: clinicStaff } as const;
    const review = await ctx.newEnrollment({
      coordinator,
      arrestingAgencyId,
      status: 'pending_court_review',
      plan,
      court: clerk,
    });
    await ctx.newConsent({
      coordinator,
      enrollmentId: review.enrollment.id,
      kind: 'information_sharing',
      serviceCategory: 'mental_health',
      recipientAgencyId: shelter.id,
      signedAt: new Date(Date.now() - 10 * 86400_000).toISOString(),
      expiresAt: new Date(Date.now() - 86400_000).toISOString(),
    });

    // The clerk reads the arrest record during review (a copy leaves the system), then confirms.
    const completed = await ctx.newEnrollment({
      coordinator,
      arrestingAgencyId,
      status: 'pending_court_review',
      plan,
      court: clerk,
    });
    await ctx.act(() => ctx.get(ArrestRecordsService).get(completed.arrestRecord.id, clerk));
    await ctx.decideCompletion(clerk, completed.enrollment.id, {
      decision: 'confirmed',
      courtOrderNumber: 'JV-MATRIX-1',
    });

    const other = await ctx.newEnrollment({
      coordinator: callers.otherCoordinator,
      arrestingAgencyId,
      status: 'active',
    });
    const otherShelter = await ctx.newMilestone({
      coordinator: callers.otherCoordinator,
      enrollmentId: other.enrollment.id,
      category: 'shelter',
      provider: shelterStaff,
      required: 5,
    });

    const notices = await ctx.db.query<{ id: string; agency_id: string }[]>(
      `SELECT id, agency_id FROM sealing_notices WHERE enrollment_id = $1`,
      [completed.enrollment.id],
    );
    const noticeTo = (agencyId: string) => notices.find((n) => n.agency_id === agencyId)!.id;
    const enrolled = { part2, shared, review, completed, other };
    const each = <T>(pick: (e: (typeof enrolled)[keyof typeof enrolled]) => T) =>
      Object.fromEntries(Object.entries(enrolled).map(([name, e]) => [name, pick(e)]));
    const milestones = {
      'part2.SA': part2SA.id,
      'shared.MH': sharedMH.id,
      'shared.shelter': sharedShelter.id,
      'review.MH': review.milestone!.id,
      'completed.MH': completed.milestone!.id,
      'other.shelter': otherShelter.id,
    };
    const arrestRecords = { unenrolled: unenrolledArrest.id, ...each((e) => e.arrestRecord.id) };
    Object.assign(ids, {
      enrollments: each((e) => e.enrollment.id),
      'reportable enrollments': each((e) => e.enrollment.id),
      participants: { unenrolled: unenrolled.id, ...each((e) => e.participant.id) },
      'arrest records': arrestRecords,
      'sealed arrest records': arrestRecords,
      'milestone details': milestones,
      'sealing notices': { toPolice: noticeTo(police.id), toCourt: noticeTo(court.id) },
      'attendance writability': milestones,
    });
  });
  afterAll(() => ctx?.close());

  it('builds the county through the app: every state reached by the real lifecycle', async () => {
    const statuses = await ctx.db.query<{ id: string; status: string }[]>(
      `SELECT id, status FROM enrollments WHERE id = ANY($1::uuid[])`,
      [Object.values(ids.enrollments)],
    );
    const statusOf = (name: string) => statuses.find((s) => s.id === ids.enrollments[name])?.status;
    expect(Object.keys(ids.enrollments).map((name) => [name, statusOf(name)])).toEqual([
      ['part2', 'active'],
      ['shared', 'active'],
      ['review', 'pending_court_review'],
      ['completed', 'completed'],
      ['other', 'active'],
    ]);
    const arrests = await ctx.db.query<{ id: string; status: string }[]>(
      `SELECT id, status FROM arrest_records WHERE status = 'sealed'`,
    );
    expect(arrests.map((a) => a.id)).toEqual([ids['arrest records'].completed]);
    const progress = await ctx.db.query<{ id: string; attended_sessions: number }[]>(
      `SELECT id, attended_sessions FROM milestones WHERE id = ANY($1::uuid[])`,
      [Object.values(ids['milestone details'])],
    );
    const attended = (name: string) =>
      progress.find((m) => m.id === ids['milestone details'][name])?.attended_sessions;
    expect(Object.keys(ids['milestone details']).map((name) => [name, attended(name)])).toEqual([
      ['part2.SA', 1],
      ['shared.MH', 1],
      ['shared.shelter', 2],
      ['review.MH', 1],
      ['completed.MH', 1],
      ['other.shelter', 0],
    ]);
  });

  const checks: { table: string; matrix: string; query: (caller: Caller) => SqlPredicate }[] = [
    {
      table: 'enrollments',
      matrix: ENROLLMENTS,
      query: (c) => wrap(enrollmentVisibleTo(c, 'e'), 'SELECT e.id FROM enrollments e WHERE'),
    },
    {
      table: 'participants',
      matrix: PARTICIPANTS,
      query: (c) => wrap(participantVisibleTo(c, 'p'), 'SELECT p.id FROM participants p WHERE'),
    },
    {
      table: 'arrest records',
      matrix: ARREST_RECORDS,
      query: (c) =>
        wrap(arrestRecordVisibleTo(c, 'ar'), 'SELECT ar.id FROM arrest_records ar WHERE'),
    },
    {
      table: 'sealed arrest records',
      matrix: SEALED_ARREST_RECORDS,
      // As the repository adds it: sealed records only, on the purpose path.
      query: (c) =>
        wrap(
          sealedArrestRecordVisibleTo(c, 'ar'),
          `SELECT ar.id FROM arrest_records ar WHERE ar.status = 'sealed' AND`,
        ),
    },
    {
      table: 'milestone details',
      matrix: MILESTONE_DETAILS,
      query: (c) =>
        wrap(
          milestoneDetailsVisibleTo(c, 'm', 'e'),
          'SELECT m.id FROM milestones m JOIN enrollments e ON e.id = m.enrollment_id WHERE',
        ),
    },
    {
      table: 'sealing notices',
      matrix: SEALING_NOTICES,
      query: (c) =>
        wrap(sealingNoticeVisibleTo(c, 'sn'), 'SELECT sn.id FROM sealing_notices sn WHERE'),
    },
    {
      table: 'reportable enrollments',
      matrix: REPORTABLE_ENROLLMENTS,
      query: (c) => wrap(enrollmentReportableBy(c, 'e'), 'SELECT e.id FROM enrollments e WHERE'),
    },
    {
      table: 'attendance writability',
      matrix: ATTENDANCE_WRITABLE,
      query: (c) => wrap(attendanceWritableBy(c, 'm'), 'SELECT m.id FROM milestones m WHERE'),
    },
  ];

  /** The predicate as a whole query: `<select> (<predicate.sql>)`, same parameters. */
  function wrap(predicate: SqlPredicate, select: string): SqlPredicate {
    return { sql: `${select} (${predicate.sql})`, params: predicate.params };
  }

  async function visibleIds(query: SqlPredicate): Promise<Set<string>> {
    const { sql, params } = bound(query);
    const rows = await ctx.db.query<{ id: string }[]>(sql, params);
    return new Set(rows.map((row) => row.id));
  }

  describe.each(checks)('$table', ({ table, matrix, query }) => {
    const expected = parse(matrix);
    let actual: Map<CallerName, Set<string>>;
    const idOf = (column: number) => ids[table][expected.columns[column]];

    beforeAll(async () => {
      actual = new Map();
      for (const caller of CALLERS) actual.set(caller, await visibleIds(query(callers[caller])));
    });

    it('matches the product rules for every caller and row (cells marked * apart)', () => {
      const disputed = (caller: CallerName, column: number) =>
        expected.cells.get(caller)![column].disputed;
      const seen = render(
        expected.columns,
        (caller, column) => actual.get(caller)!.has(idOf(column)),
        disputed,
      );
      const wanted = render(
        expected.columns,
        (caller, column) => expected.cells.get(caller)![column].expected,
        disputed,
      );
      expect(seen).toEqual(wanted);
    });

    for (const caller of CALLERS) {
      expected.cells.get(caller)!.forEach((cell, column) => {
        if (!cell.disputed) return;
        const why = DISAGREEMENTS[table]?.[caller];
        if (!why) throw new Error(`${table}: ${caller} has a * cell and no reason`);
        const row = expected.columns[column];
        const should = cell.expected ? 'visible' : 'hidden';
        it.failing(`code disagrees: ${caller} x ${row} should be ${should}: ${why}`, () => {
          expect(actual.get(caller)!.has(idOf(column))).toBe(cell.expected);
        });
      });
    }
  });

  it('gives webhook fan-out (agency scopes) exactly what the agency’s clients see', async () => {
    for (const name of CALLERS) {
      const caller = callers[name];
      if (caller.kind !== 'client') continue;
      const agency = { scopeAgencyId: caller.agencyId };
      expect(
        await visibleIds({
          sql: `SELECT e.id FROM enrollments e WHERE ${agencyEnrollmentScope('e', ':scopeAgencyId')}`,
          params: agency,
        }),
      ).toEqual(await visibleIds(checks[0].query(caller)));
      expect(
        await visibleIds({
          sql: `SELECT m.id FROM milestones m JOIN enrollments e ON e.id = m.enrollment_id
                 WHERE ${agencyMilestoneDetailsScope('m', 'e', ':scopeAgencyId')}`,
          params: agency,
        }),
      ).toEqual(await visibleIds(checks[4].query(caller)));
    }
  });
});
