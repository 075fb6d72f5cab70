import { DataSource } from 'typeorm';
import { Clock } from '../src/infrastructure/clock/clock';
import { RetentionPurgeJob } from '../src/sealing/jobs/retention-purge.job';
import { RetentionPurgeService } from '../src/sealing/retention-purge.service';
import { auditSettled } from './support/audit';
import { actingAs, UNKNOWN_ID } from './support/http';
import { startTestApp, TestApp } from './support/test-app';
import {
  givenActiveEnrollment,
  givenArrestRecord,
  givenCompletedEnrollment,
  givenParticipant,
  givenWorld,
  World,
} from './support/workflow';

const YEAR_MS = 365.25 * 24 * 60 * 60 * 1000;

/**
 * The retention purge (WIC 826) with a controllable clock: the Clock is moved years ahead,
 * the job runs as of then. SQL moves one record's sealing a year back (the clock moved on for
 * it), and plants the booking number in a stored event, as a release whose notices carry it
 * would have stored it.
 */
describe('retention purge', () => {
  let t: TestApp;
  let w: World;
  let db: DataSource;
  let due: { arrestId: string; enrollmentId: string };
  let notYet: { arrestId: string };
  let open: { arrestId: string };

  const arrestRow = async (id: string) =>
    (
      await db.query(
        `SELECT booking_number, charges, location, arrested_at, status, sealed_at, purged_at,
                participant_id FROM arrest_records WHERE id = $1`,
        [id],
      )
    )[0];
  const atYearsFromNow = (years: number) => new Date(Date.now() + years * YEAR_MS);
  const purposeRead = (id: string) =>
    actingAs(t, w.admin)
      .get(`/api/v1/arrest-records/${id}`)
      .set('x-access-purpose', 'Audit of purge');

  beforeAll(async () => {
    t = await startTestApp();
    w = await givenWorld(t);
    db = t.app.get(DataSource);
    // With a location (stored encrypted): the purge destroys it like the other details.
    const participant = await givenParticipant(t, w.coordinator.token);
    const arrest = await givenArrestRecord(t, w.coordinator.token, participant.id, w.police.id, {
      location: '12 Oak Lane',
    });
    const a = await givenCompletedEnrollment(t, w, { participant, arrest });
    due = { arrestId: a.arrest.id, enrollmentId: a.enrollment.id };
    notYet = { arrestId: (await givenCompletedEnrollment(t, w)).arrest.id };
    open = { arrestId: (await givenActiveEnrollment(t, w)).arrest.id };
    // The clock moved on for one record: sealed a year ago.
    await db.query(
      `UPDATE arrest_records SET sealed_at = sealed_at - interval '1 year' WHERE id = $1`,
      [due.arrestId],
    );
    await db.query(
      `INSERT INTO outbox_events (type, agency_id, enrollment_id, data)
       VALUES ('sealing_notice.created', $1, $2,
               jsonb_build_object('arrestRecordId', $3::text, 'bookingNumber', 'BK-SECRET-1',
                                  'charges', '[{"code":"PC 647"}]'::jsonb, 'sealingNoticeId', $4::text))`,
      [w.police.id, due.enrollmentId, due.arrestId, UNKNOWN_ID],
    );
  });
  afterAll(() => t.close());
  afterEach(() => jest.restoreAllMocks());

  it('dry run: lists what would go as of a date, and changes nothing', async () => {
    const purge = t.app.get(RetentionPurgeService);
    expect(await purge.plan(atYearsFromNow(3.5))).toEqual([]);
    const planned = await purge.plan(atYearsFromNow(4.5));
    expect(planned.map((c) => c.arrestRecordId)).toEqual([due.arrestId]);
    expect(planned[0].retentionYears).toBe(5);
    expect((await arrestRow(due.arrestId)).booking_number).not.toBeNull();
    expect(await db.query(`SELECT 1 FROM destruction_records`)).toEqual([]);
  });

  it('past retention: details destroyed, destruction record and audit entry kept, everything else untouched', async () => {
    const before = {
      notYet: await arrestRow(notYet.arrestId),
      open: await arrestRow(open.arrestId),
      participants: await db.query(`SELECT * FROM participants ORDER BY id`),
      enrollments: await db.query(`SELECT id, status, version FROM enrollments ORDER BY id`),
      notices: await db.query(`SELECT * FROM sealing_notices ORDER BY id`),
    };
    const dueRow = await arrestRow(due.arrestId);
    expect(dueRow.location).toMatch(/^enc:v1:/);

    jest.spyOn(t.app.get(Clock), 'now').mockReturnValue(atYearsFromNow(4.5));
    const job = t.app.get(RetentionPurgeJob);
    const run = await job.runOnce();
    expect(run.destroyed.map((d) => d.arrestRecordId)).toEqual([due.arrestId]);

    // The details are gone; the row (ids, status, sealing time) stays.
    expect(await arrestRow(due.arrestId)).toEqual({
      ...dueRow,
      booking_number: null,
      charges: null,
      location: null,
      arrested_at: null,
      purged_at: expect.any(Date),
    });
    // The proof of destruction: which record, when, which rule, which run; nothing else.
    const destruction = await db.query(`SELECT * FROM destruction_records`);
    expect(destruction).toEqual([
      {
        id: expect.any(String),
        arrest_record_id: due.arrestId,
        destroyed_at: expect.any(Date),
        rule: 'WIC 826: 5 years after sealing',
        job_run_id: run.jobRunId,
        operator: 'scheduler',
      },
    ]);
    expect(JSON.stringify(destruction)).not.toMatch(/BK-|PC /);
    // Stored events keep their ids, not the details.
    const [event] = await db.query(
      `SELECT data FROM outbox_events WHERE type = 'sealing_notice.created' AND data->>'arrestRecordId' = $1`,
      [due.arrestId],
    );
    expect(event.data).toEqual({ arrestRecordId: due.arrestId, sealingNoticeId: UNKNOWN_ID });
    // Audited as the system actor, with the rule and the run.
    await auditSettled(t);
    const [entry] = await db.query(
      `SELECT actor_kind, action, subject_type, purpose FROM audit_events
        WHERE action = 'arrest_record.purged' AND subject_id = $1`,
      [due.arrestId],
    );
    expect(entry).toEqual({
      actor_kind: 'system',
      action: 'arrest_record.purged',
      subject_type: 'arrest_record',
      purpose: `WIC 826: 5 years after sealing; job run ${run.jobRunId}; operator scheduler`,
    });

    // Everything else untouched: the record sealed later, the open one, people, enrollments, notices.
    expect(await arrestRow(notYet.arrestId)).toEqual(before.notYet);
    expect(await arrestRow(open.arrestId)).toEqual(before.open);
    expect(await db.query(`SELECT * FROM participants ORDER BY id`)).toEqual(before.participants);
    expect(await db.query(`SELECT id, status, version FROM enrollments ORDER BY id`)).toEqual(
      before.enrollments,
    );
    expect(await db.query(`SELECT * FROM sealing_notices ORDER BY id`)).toEqual(before.notices);

    // Once only: a second run (another instance, the next hour) destroys nothing more.
    expect((await job.runOnce()).destroyed).toEqual([]);
    expect(await db.query(`SELECT count(*)::int AS n FROM destruction_records`)).toEqual([
      { n: 1 },
    ]);
  });

  it('a purged record answers 404 exactly like an unknown id, even on the purpose path', async () => {
    // Before: the record sealed later is still readable with a stated purpose.
    await purposeRead(notYet.arrestId).expect(200);
    const purged = await purposeRead(due.arrestId).expect(404);
    const unknown = await purposeRead(UNKNOWN_ID).expect(404);
    const comparable = (body: Record<string, unknown>) => ({
      ...body,
      instance: undefined,
      requestId: undefined,
    });
    expect(comparable(purged.body)).toEqual(comparable(unknown.body));
    expect(purged.headers['content-type']).toBe(unknown.headers['content-type']);
  });
});
