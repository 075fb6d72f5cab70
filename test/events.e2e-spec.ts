import { Client } from 'pg';
import {
  eventJsonSql,
  type EventRow,
  REDISCLOSURE_NOTICE_JSON_SQL,
  toEventDto,
} from '../src/events/event-body';
import { OutboxRepository, recipientKey } from '../src/events/outbox.repository';
import { Outbox } from '../src/events/outbox.service';
import { UnitOfWork } from '../src/infrastructure/database/unit-of-work';
import { adminToken, givenAgency, givenClient } from './support/factories';
import { expectProblem } from './support/http';
import { outboxSettled } from './support/outbox';
import { eventually } from './support/webhook-receiver';
import { DataSource } from 'typeorm';
import { startTestApp, TestApp } from './support/test-app';
import {
  givenActiveEnrollment,
  givenCompletedEnrollment,
  givenMilestone,
  givenWorld,
  recordAttendance,
} from './support/workflow';

/**
 * A well-formed `arrest_record.sealed` payload (every response is checked against the
 * document's event schemas) whose sealingNoticeId carries the number `n` the tests track.
 */
const OFFSET = 1_000_000; // tests number events from -2 up
const numberedId = (n: number) => `00000000-0000-4000-8000-${String(n + OFFSET).padStart(12, '0')}`;
const sealedData = (n: number) => ({
  arrestRecordId: numberedId(n),
  enrollmentId: numberedId(n),
  sealedAt: new Date().toISOString(),
  sealingNoticeId: numberedId(n),
  dueAt: new Date().toISOString(),
});
const numberOf = (item: { data: { sealingNoticeId: string } }) =>
  Number(item.data.sealingNoticeId.slice(-12)) - OFFSET;

/** A world with an active enrollment and a substance-abuse milestone at the clinic (42 CFR Part 2). */
async function givenTreatmentPlan(t: TestApp) {
  const w = await givenWorld(t);
  const { enrollment } = await givenActiveEnrollment(t, w);
  const treatment = await givenMilestone(t, w, enrollment.id, {
    category: 'substance_abuse',
    providerAgencyId: w.clinic.id,
    requiredSessions: 3,
  });
  return { w, enrollment, treatment };
}

describe('event feed', () => {
  let t: TestApp;
  let admin: string;

  beforeAll(async () => {
    t = await startTestApp();
    admin = await adminToken(t);
  });
  afterAll(() => t.close());

  const emitTo = (agencyId: string, n: number) =>
    t.app.get(UnitOfWork).run(async (manager) => {
      await t.app.get(Outbox).emit({ type: 'arrest_record.sealed', agencyId, data: sealedData(n) });
      // Hold the transaction open a little, so commits land out of position order.
      await manager.query('SELECT pg_sleep(random() * 0.005)');
    });

  async function readPage(token: string, after?: string, limit = 37, types?: string) {
    const res = await t.http
      .get('/api/v1/events')
      .query({ ...(after ? { after } : {}), limit, ...(types ? { types } : {}) })
      .auth(token, { type: 'bearer' })
      .expect(200);
    return res.body as {
      items: { id: string; type: string; data: { sealingNoticeId: string } }[];
      nextCursor: string;
    };
  }

  it('pages through 1000 events written concurrently without a gap or a repeat', async () => {
    const agency = await givenAgency(t, admin, { kind: 'law_enforcement' });
    const client = await givenClient(t, admin, { agencyId: agency.id, scopes: ['events:read'] });
    const total = 1000;
    const writers = Array.from({ length: 10 }, (_, w) =>
      (async () => {
        for (let i = 0; i < total / 10; i++) await emitTo(agency.id, w * 1000 + i);
      })(),
    );
    let writing = true;
    const done = Promise.all(writers).then(() => {
      writing = false;
    });

    const seen: number[] = [];
    let cursor: string | undefined;
    // The feed may hold events back while any transaction in the cluster (other test files
    // included) is still open, so keep polling for a while after the writers are done.
    let deadline = Infinity;
    while (seen.length < total && Date.now() < deadline) {
      const page = await readPage(client.token, cursor);
      seen.push(...page.items.map((item) => numberOf(item)));
      expect(page.nextCursor).toEqual(expect.any(String));
      cursor = page.nextCursor;
      if (!writing && deadline === Infinity) deadline = Date.now() + 20000;
      if (page.items.length === 0) await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await done;
    expect(seen).toHaveLength(total);
    expect(new Set(seen).size).toBe(total);
  });

  it('shows an agency only what is addressed to it or concerns enrollments it may see', async () => {
    const mine = await givenAgency(t, admin, { kind: 'law_enforcement' });
    const theirs = await givenAgency(t, admin, { kind: 'law_enforcement' });
    const client = await givenClient(t, admin, { agencyId: mine.id, scopes: ['events:read'] });
    await emitTo(theirs.id, -1);
    await emitTo(mine.id, -2);
    await outboxSettled(t);
    const page = await readPage(client.token, undefined, 500);
    const ns = page.items.map((item) => numberOf(item));
    expect(ns).toContain(-2);
    expect(ns).not.toContain(-1);
  });

  it('filters by type and keeps the cursor when nothing is new', async () => {
    const agency = await givenAgency(t, admin, { kind: 'law_enforcement' });
    const client = await givenClient(t, admin, { agencyId: agency.id, scopes: ['events:read'] });
    await emitTo(agency.id, 7);
    await outboxSettled(t);
    const none = await readPage(client.token, undefined, 500, 'enrollment.completed');
    expect(none.items).toHaveLength(0);
    const sealed = await readPage(client.token, undefined, 500, 'arrest_record.sealed');
    expect(sealed.items.map((item) => item.type)).toEqual(['arrest_record.sealed']);
    const idle = await readPage(client.token, sealed.nextCursor);
    expect(idle.items).toHaveLength(0);
    expect(idle.nextCursor).toBe(sealed.nextCursor);
  });

  it('refuses bad cursors, unknown types and clients without events:read', async () => {
    const agency = await givenAgency(t, admin, { kind: 'law_enforcement' });
    const reader = await givenClient(t, admin, { agencyId: agency.id, scopes: ['events:read'] });
    const other = await givenClient(t, admin, { agencyId: agency.id, scopes: ['sealing:ack'] });
    const bad = await t.http
      .get('/api/v1/events?after=nonsense')
      .auth(reader.token, { type: 'bearer' })
      .expect(400);
    expect(bad.body.errors).toEqual([expect.objectContaining({ field: 'after' })]);
    // Well-formed, but past what PostgreSQL can hold: refused before any SQL runs.
    const ev2 = (text: string) => `ev2.${Buffer.from(text).toString('base64url')}`;
    for (const forged of [
      ev2('18446744073709551616:1'),
      ev2('99999999999999999999:1'),
      ev2('1:9223372036854775808'),
      ev2('1:9999999999999999999'),
    ]) {
      const res = await t.http
        .get('/api/v1/events')
        .query({ after: forged })
        .auth(reader.token, { type: 'bearer' });
      expectProblem(res, 400, 'validation-failed');
      expect(res.body.errors).toEqual([expect.objectContaining({ field: 'after' })]);
    }
    // The largest cursor that is valid still reads (an empty page after it).
    const last = await t.http
      .get('/api/v1/events')
      .query({ after: ev2('18446744073709551615:9223372036854775807') })
      .auth(reader.token, { type: 'bearer' })
      .expect(200);
    expect(last.body.items).toEqual([]);
    await t.http
      .get('/api/v1/events?types=made.up')
      .auth(reader.token, { type: 'bearer' })
      .expect(400);
    await t.http.get('/api/v1/events').auth(other.token, { type: 'bearer' }).expect(403);
  });
});

describe('event feed: session details', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('shows attendance events only to agencies entitled to session details, with the 42 CFR 2.32 notice for others', async () => {
    const { w, enrollment, treatment } = await givenTreatmentPlan(t);
    await givenMilestone(t, w, enrollment.id, {
      category: 'shelter',
      providerAgencyId: w.shelter.id,
      requiredSessions: 3,
    });
    await recordAttendance(t, w.clinicUser.token, treatment.id).expect(201);

    const feedFor = async (agencyId: string) => {
      const client = await givenClient(t, w.admin, { agencyId, scopes: ['events:read'] });
      const res = await t.http
        .get('/api/v1/events?limit=500')
        .auth(client.token, { type: 'bearer' })
        .expect(200);
      return (res.body.items as { type: string; redisclosureNotice?: string }[]).filter(
        (item) => item.type === 'attendance.recorded',
      );
    };
    await outboxSettled(t);
    const clinic = await feedFor(w.clinic.id);
    expect(clinic).toHaveLength(1);
    expect(clinic[0].redisclosureNotice).toBeUndefined();
    const coordinatorAgency = await feedFor(w.da.id);
    expect(coordinatorAgency).toHaveLength(1);
    expect(coordinatorAgency[0].redisclosureNotice).toMatch(/42 CFR part 2/);
    // The shelter serves the same enrollment but may not see treatment sessions.
    expect(await feedFor(w.shelter.id)).toHaveLength(0);
  });
});

describe('event feed: the JSON of an event', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('is what a webhook body of the same reader holds (toEventDto), notice and agency included', async () => {
    const { w, treatment } = await givenTreatmentPlan(t);
    await recordAttendance(t, w.clinicUser.token, treatment.id).expect(201);
    // Sealing events, addressed to the arresting agency (agencyId set).
    await givenCompletedEnrollment(t, w);
    await outboxSettled(t);

    const outbox = t.app.get(OutboxRepository);
    const compared = new Set<string>();
    for (const agencyId of [w.da.id, w.police.id, w.clinic.id]) {
      const client = await givenClient(t, w.admin, { agencyId, scopes: ['events:read'] });
      const res = await t.http
        .get('/api/v1/events?limit=500')
        .auth(client.token, { type: 'bearer' })
        .expect(200);
      expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
      const items = res.body.items as { id: string; type: string }[];
      const rows = await outbox.forRecipients(
        items.map((item) => ({ eventId: item.id, agencyId })),
      );
      expect(items).toEqual(
        items.map((item) => toEventDto(rows.get(recipientKey({ eventId: item.id, agencyId }))!)),
      );
      for (const item of items)
        compared.add(`${item.type} ${'agencyId' in item} ${'redisclosureNotice' in item}`);
    }
    // Every optional part was seen: an event addressed to an agency, one without, a notice.
    expect([...compared]).toEqual(
      expect.arrayContaining([
        'arrest_record.sealed true false',
        'enrollment.completed false false',
        'attendance.recorded false true',
        'attendance.recorded false false',
      ]),
    );
  });

  it('escapes and formats like JSON.stringify of toEventDto, whatever the payload', async () => {
    const db = t.app.get(DataSource);
    const data = {
      reason: 'a "quoted" \\ back\\slash, a tab\t, a newline\n, é, 日本, 😀',
      nested: { list: [1, 2.5, -3, 1e21, null, true], empty: {} },
      nothing: null,
    };
    const cases = [
      { occurredAt: '2026-03-01 23:59:59.999999+00', agencyId: null, part2: false },
      { occurredAt: '2026-01-01 00:00:00.9996+00', agencyId: numberedId(5), part2: true },
      { occurredAt: '1999-12-31 19:00:00-05', agencyId: numberedId(6), part2: null },
    ];
    for (const c of cases) {
      const [row] = await db.query<(EventRow & { event: string })[]>(
        `SELECT o.*, o.part2 AS part2_disclosure, ${eventJsonSql('o', 'o.part2', REDISCLOSURE_NOTICE_JSON_SQL)} AS event
           FROM (SELECT $1::uuid AS id, 'enrollment.withdrawn'::text AS type,
                        $2::timestamptz AS occurred_at, $3::uuid AS agency_id,
                        $4::jsonb AS data, $5::boolean AS part2) o`,
        [numberedId(1), c.occurredAt, c.agencyId, JSON.stringify(data), c.part2],
      );
      expect(JSON.parse(row.event)).toEqual(toEventDto(row));
      expect(Object.keys(JSON.parse(row.event))).toEqual(Object.keys(toEventDto(row)));
    }
  });
});

describe('event feed: its statement', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('keeps its generic plan from the sixth execution on (planned once per connection, not per page)', async () => {
    const w = await givenWorld(t);
    const { enrollment } = await givenActiveEnrollment(t, w);
    await givenMilestone(t, w, enrollment.id, {
      category: 'education',
      providerAgencyId: w.school.id,
      requiredSessions: 4,
    });
    // Enough events, with statistics, for the planner's estimates to be those of a live
    // system (the benchmark's: the reader's agency has most of them): the values a custom
    // plan sees then make it look cheaper than a generic plan of plain parameters, which on a
    // few rows PostgreSQL keeps anyway.
    const db = t.app.get(DataSource);
    await db.query(
      `INSERT INTO outbox_events (type, agency_id, data)
       SELECT 'arrest_record.sealed', CASE WHEN i % 4 = 0 THEN $2::uuid ELSE $1::uuid END, $3
         FROM generate_series(1, 20000) AS i`,
      [w.da.id, w.police.id, JSON.stringify(sealedData(0))],
    );
    await db.query('ANALYZE outbox_events');
    const client = await givenClient(t, w.admin, { agencyId: w.da.id, scopes: ['events:read'] });
    const uow = t.app.get(UnitOfWork);
    const spy = jest.spyOn(uow, 'queryPrepared');
    let sent: { sql: string; parameters: unknown[] }[];
    try {
      await t.http.get('/api/v1/events').auth(client.token, { type: 'bearer' }).expect(200);
      await t.http
        .get('/api/v1/events?types=milestone.created')
        .auth(client.token, { type: 'bearer' })
        .expect(200);
    } finally {
      sent = spy.mock.calls.map(([sql, parameters]) => ({ sql, parameters }));
      spy.mockRestore();
    }
    expect(sent).toHaveLength(2);
    const runner = db.createQueryRunner();
    await runner.connect();
    try {
      for (const [i, { sql, parameters }] of sent.entries()) {
        const name = `feed_plan_test_${i}`;
        await runner.query(`PREPARE ${name} AS ${sql}`);
        const values = parameters
          .map((value) =>
            Array.isArray(value)
              ? `ARRAY[${value.map((v) => `'${v}'`).join(',')}]`
              : `'${String(value)}'`,
          )
          .join(', ');
        for (let n = 0; n < 7; n += 1) await runner.query(`EXECUTE ${name} (${values})`);
        const [plans] = (await runner.query(
          `SELECT generic_plans, custom_plans FROM pg_prepared_statements WHERE name = $1`,
          [name],
        )) as { generic_plans: string; custom_plans: string }[];
        await runner.query(`DEALLOCATE ${name}`);
        expect({ statement: i, generic: Number(plans.generic_plans) }).toEqual({
          statement: i,
          generic: 2,
        });
      }
    } finally {
      await runner.release();
    }
  });
});

describe('event feed: sealing events', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('go to the notified and the owning agency only, never to providers of the enrollment', async () => {
    const w = await givenWorld(t);
    await givenCompletedEnrollment(t, w);
    const police = await givenClient(t, w.admin, {
      agencyId: w.police.id,
      scopes: ['events:read', 'sealing:ack'],
    });
    const [notice] = (
      await t.http.get('/api/v1/sealing-notices').auth(police.token, { type: 'bearer' }).expect(200)
    ).body.items;
    await t.http
      .post(`/api/v1/sealing-notices/${notice.id}/ack`)
      .auth(police.token, { type: 'bearer' })
      .send({ reference: 'RMS-1' })
      .expect(200);

    const typesFor = async (token: string) =>
      (
        (await t.http.get('/api/v1/events?limit=500').auth(token, { type: 'bearer' }).expect(200))
          .body.items as { type: string }[]
      ).map((item) => item.type);
    const owner = await givenClient(t, w.admin, { agencyId: w.da.id, scopes: ['events:read'] });
    const clinic = await givenClient(t, w.admin, {
      agencyId: w.clinic.id,
      scopes: ['events:read'],
    });

    await outboxSettled(t);
    expect(await typesFor(police.token)).toEqual(
      expect.arrayContaining(['arrest_record.sealed', 'sealing_notice.acknowledged']),
    );
    expect(await typesFor(owner.token)).toContain('sealing_notice.acknowledged');
    const clinicTypes = await typesFor(clinic.token);
    expect(clinicTypes).toContain('enrollment.completed');
    expect(clinicTypes).not.toContain('sealing_notice.acknowledged');
    expect(clinicTypes).not.toContain('arrest_record.sealed');
  });
});

describe('event feed: plan changes', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('announces a new milestone and an extension with its new end date, without the reason', async () => {
    const w = await givenWorld(t);
    const { enrollment } = await givenActiveEnrollment(t, w);
    await givenMilestone(t, w, enrollment.id, {
      category: 'education',
      providerAgencyId: w.school.id,
      requiredSessions: 4,
    });
    const extended = await t.http
      .post(`/api/v1/enrollments/${enrollment.id}/extend`)
      .auth(w.coordinator.token, { type: 'bearer' })
      .send({ days: 14, reason: 'Hospitalised for two weeks' })
      .expect(200);
    const school = await givenClient(t, w.admin, {
      agencyId: w.school.id,
      scopes: ['events:read'],
    });
    await outboxSettled(t);
    const items = (
      await t.http
        .get('/api/v1/events?types=milestone.created,enrollment.extended')
        .auth(school.token, { type: 'bearer' })
        .expect(200)
    ).body.items as { type: string; data: Record<string, unknown> }[];
    expect(items.map((item) => item.type)).toEqual(['milestone.created', 'enrollment.extended']);
    expect(items[1].data).toEqual({
      enrollmentId: enrollment.id,
      days: 14,
      scheduledEndDate: extended.body.scheduledEndDate,
    });
    expect(JSON.stringify(items)).not.toContain('Hospitalised');
  });
});

// Two open transactions at once need a real server (PGlite is one session).
const onServer = process.env.TEST_DATABASE_URL ? describe : describe.skip;

onServer('event feed: a late commit of an earlier position (real PostgreSQL)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('is served after the cursor has moved past a later position', async () => {
    const admin = await adminToken(t);
    const agency = await givenAgency(t, admin, { kind: 'law_enforcement' });
    const client = await givenClient(t, admin, { agencyId: agency.id, scopes: ['events:read'] });
    const first = new Client({ connectionString: t.databaseUrl });
    const late = new Client({ connectionString: t.databaseUrl });
    await Promise.all([first.connect(), late.connect()]);
    // Raw outbox rows from two hand-held transactions: only SQL can interleave their commits.
    const insert = (db: Client, n: number) =>
      db.query(
        `INSERT INTO outbox_events (type, agency_id, data) VALUES ('arrest_record.sealed', $1, $2)`,
        [agency.id, JSON.stringify(sealedData(n))],
      );
    try {
      // `first` takes its transaction id first but writes its event last.
      await first.query('BEGIN');
      const firstTxid = (await first.query<{ x: string }>('SELECT pg_current_xact_id()::text AS x'))
        .rows[0].x;
      await late.query('BEGIN');
      await insert(late, 1); // lower position, still uncommitted
      await insert(first, 2); // higher position
      await first.query('COMMIT');

      const read = async (after?: string) =>
        (
          await t.http
            .get('/api/v1/events')
            .query(after ? { after } : {})
            .auth(client.token, { type: 'bearer' })
            .expect(200)
        ).body as { items: { data: { sealingNoticeId: string } }[]; nextCursor: string };
      // Other test files' older transactions may hold the horizon for a moment.
      await eventually(async () => {
        const [row] = await t.app
          .get(DataSource)
          .query<{ below: boolean }[]>(
            `SELECT $1::xid8 < pg_snapshot_xmin(pg_current_snapshot()) AS below`,
            [firstTxid],
          );
        expect(row.below).toBe(true);
      });
      const page = await read();
      expect(page.items.map((item) => numberOf(item))).toEqual([2]);

      await late.query('COMMIT');
      await outboxSettled(t);
      const next = await read(page.nextCursor);
      expect(next.items.map((item) => numberOf(item))).toEqual([1]);
    } finally {
      await Promise.all([first.end(), late.end()]);
    }
  });
});
