import type { Logger as TypeOrmLogger } from 'typeorm';
import { DataSource } from 'typeorm';
import { AuditContext } from '../src/infrastructure/audit-context/audit-context';
import { givenClient } from './support/factories';
import { actingAs } from './support/http';
import { outboxSettled } from './support/outbox';
import { startTestApp, TestApp } from './support/test-app';
import {
  givenActiveEnrollment,
  givenMilestone,
  givenWorld,
  recordAttendance,
  World,
} from './support/workflow';

/**
 * The hot routes make a fixed number of round trips, whatever the size of what they return
 * or write: no N+1. Queries are attributed to the request under way through its audit
 * context (AsyncLocalStorage), so background jobs running meanwhile are not counted.
 */
describe('statements per request on the hot routes', () => {
  let t: TestApp;
  let w: World;
  let counted: string[] | undefined;

  beforeAll(async () => {
    t = await startTestApp();
    w = await givenWorld(t);
    const dataSource = t.app.get(DataSource);
    const context = t.app.get(AuditContext);
    const original = dataSource.logger;
    const counting: TypeOrmLogger = {
      logQuery: (query) => {
        if (counted && context.current() && !/^(START TRANSACTION|COMMIT|ROLLBACK)/.test(query)) {
          counted.push(query);
        }
      },
      logQueryError: original.logQueryError.bind(original),
      logQuerySlow: original.logQuerySlow.bind(original),
      logSchemaBuild: original.logSchemaBuild.bind(original),
      logMigration: original.logMigration.bind(original),
      log: original.log.bind(original),
    };
    Object.defineProperty(dataSource, 'logger', { value: counting, configurable: true });
  });
  afterAll(() => t.close());

  /** The statements one request sent (its audit entries included). */
  async function statementsOf(request: () => Promise<unknown>): Promise<number> {
    counted = [];
    try {
      await request();
      // SHOW_STATEMENTS=1 prints them, to see which round trips a change adds or saves.
      if (process.env.SHOW_STATEMENTS)
        console.log(counted.map((q) => q.replace(/\s+/g, ' ').slice(0, 160)).join('\n'));
      return counted.length;
    } finally {
      counted = undefined;
    }
  }

  const categories = [
    { category: 'mental_health', provider: () => w.clinic.id },
    { category: 'substance_abuse', provider: () => w.clinic.id },
    { category: 'education', provider: () => w.school.id },
    { category: 'shelter', provider: () => w.shelter.id },
  ];

  async function enrollmentWithMilestones(count: number) {
    const { enrollment } = await givenActiveEnrollment(t, w);
    const milestones = [];
    for (const { category, provider } of categories.slice(0, count)) {
      milestones.push(
        await givenMilestone(t, w, enrollment.id, {
          category,
          providerAgencyId: provider(),
          requiredSessions: 20,
        }),
      );
    }
    return { enrollment, milestones };
  }

  it('GET /enrollments/:id: one statement for the view and one for the audit entry, any plan size', async () => {
    const small = await enrollmentWithMilestones(1);
    const large = await enrollmentWithMilestones(4);
    const as = actingAs(t, w.coordinator.token);
    const forSmall = await statementsOf(() =>
      as.get(`/api/v1/enrollments/${small.enrollment.id}`).expect(200),
    );
    const forLarge = await statementsOf(() =>
      as.get(`/api/v1/enrollments/${large.enrollment.id}`).expect(200),
    );
    expect(forLarge).toBe(forSmall);
    expect(forSmall).toBe(2);
  });

  it('GET /enrollments: two statements whatever the page size (page and views together, then the audit)', async () => {
    for (let i = 0; i < 6; i += 1) await enrollmentWithMilestones(2);
    const as = actingAs(t, w.coordinator.token);
    const forTwo = await statementsOf(() => as.get('/api/v1/enrollments?limit=2').expect(200));
    const forSix = await statementsOf(() => as.get('/api/v1/enrollments?limit=6').expect(200));
    expect(forSix).toBe(forTwo);
    // The page with every enrollment's view in one statement, and the audit entries.
    expect(forTwo).toBe(2);
  });

  it('POST /attendance/batch: a fixed number of statements whatever the number of records, milestones and enrollments', async () => {
    const one = await enrollmentWithMilestones(4);
    const other = await enrollmentWithMilestones(4);
    const today = new Date().toISOString().slice(0, 10);
    // Only the clinic's milestones (the first two of each plan) are the clinic's to write to.
    const batch = (size: number, tag: string, milestones: readonly { id: string }[]) => ({
      records: Array.from({ length: size }, (_, i) => ({
        milestoneId: milestones[i % milestones.length].id,
        sessionDate: today,
        status: 'present',
        externalId: `${tag}-${i}`,
      })),
    });
    const as = actingAs(t, w.clinicUser.token);
    const forOne = await statementsOf(() =>
      as.post('/api/v1/attendance/batch', batch(1, 'small', [one.milestones[0]])).expect(200),
    );
    const many = [...one.milestones.slice(0, 2), ...other.milestones.slice(0, 2)];
    let answer: unknown;
    const forForty = await statementsOf(async () => {
      answer = (await as.post('/api/v1/attendance/batch', batch(40, 'large', many)).expect(200))
        .body;
    });
    expect(answer).toMatchObject({ accepted: 40, rejected: [] });
    // 1 record on 1 milestone, then 40 records over 4 milestones of 2 enrollments: progress
    // is one statement for all of them, not one per milestone or enrollment.
    expect(forForty).toBe(forOne);
    expect(forOne).toBe(6);
  });

  it('POST /milestones/:id/attendance: the same statements as a batch of one', async () => {
    const { milestones } = await enrollmentWithMilestones(1);
    const single = await statementsOf(() =>
      recordAttendance(t, w.clinicUser.token, milestones[0].id, { externalId: 'one' }).expect(201),
    );
    // Lock the milestone with its enrollment, look up the externalId, insert, add the inserted
    // records to progress with the enrollment's stamp and version (no recount of the
    // milestone's attendance), the event, the audit entry.
    expect(single).toBe(6);
  });

  it('GET /events: one statement for the page and one for the audit entry, whatever the page size', async () => {
    // The DA's plans: their enrollments' and milestones' events, attendance included.
    for (let i = 0; i < 3; i += 1) {
      const { milestones } = await enrollmentWithMilestones(2);
      await recordAttendance(t, w.clinicUser.token, milestones[1].id, {
        externalId: `feed-${i}`,
      }).expect(201);
    }
    const client = await givenClient(t, w.admin, { agencyId: w.da.id, scopes: ['events:read'] });
    await outboxSettled(t);
    const as = actingAs(t, client.token);
    let small = 0;
    const forSmall = await statementsOf(async () => {
      small = (await as.get('/api/v1/events?limit=2').expect(200)).body.items.length;
    });
    let large = 0;
    const forLarge = await statementsOf(async () => {
      large = (await as.get('/api/v1/events?limit=40').expect(200)).body.items.length;
    });
    expect(small).toBe(2);
    expect(large).toBeGreaterThanOrEqual(20);
    expect(forLarge).toBe(forSmall);
    expect(forSmall).toBe(2);
  });
});
