/**
 * New attendance adds to progress incrementally (the rows the insert returned, one UPDATE
 * adding each milestone's delta), while a correction or a void recounts its milestone
 * exactly. This test holds the two to each other: after every step of a seeded random mix of
 * batches, single POSTs, re-sent externalIds (same milestone: a duplicate; another: a
 * conflict), repeats inside a batch, concurrent batches on the same milestones, corrections
 * and voids, every milestone's stored counts (attended, and recorded: every record not
 * voided, whatever its status), its `met_at` and every enrollment's 24-hour stamp must equal
 * an exact recount of the stored records.
 */
import { DataSource } from 'typeorm';
import { actingAs } from './support/http';
import { startTestApp, TestApp } from './support/test-app';
import {
  dateOfBirthForAge,
  givenArrestRecord,
  givenMilestone,
  givenParticipant,
  givenWorld,
  recordConsent,
  World,
} from './support/workflow';

const SEED = 20261129;
const STEPS = 60;

/** mulberry32: a small deterministic PRNG, so a failure replays exactly. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let x = Math.imul(a ^ (a >>> 15), 1 | a);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

const day = (days = 0) => new Date(Date.now() + days * 86400_000).toISOString().slice(0, 10);
const STATUSES = ['present', 'present', 'present', 'absent', 'excused'] as const;

interface Sent {
  externalId: string;
  milestoneId: string;
}

describe('attendance progress: incremental counts equal an exact recount', () => {
  let t: TestApp;
  let w: World;
  let db: DataSource;
  const milestoneIds: string[] = [];
  const enrollmentIds: string[] = [];

  beforeAll(async () => {
    t = await startTestApp();
    w = await givenWorld(t);
    db = t.app.get(DataSource);
    // Three enrollments that started a week ago, two clinic milestones each (5 and 8 sessions).
    for (let e = 0; e < 3; e += 1) {
      const participant = await givenParticipant(t, w.coordinator.token, {
        dateOfBirth: dateOfBirthForAge(15),
      });
      const arrest = await givenArrestRecord(t, w.coordinator.token, participant.id, w.police.id, {
        arrestedAt: new Date(Date.now() - 9 * 86400_000).toISOString(),
      });
      const res = await actingAs(t, w.coordinator.token)
        .post('/api/v1/enrollments', {
          participantId: participant.id,
          arrestRecordId: arrest.id,
          site: 'Compton',
          startDate: day(-7),
        })
        .expect(201);
      const enrollmentId = (res.body as { id: string }).id;
      await recordConsent(t, w.coordinator.token, enrollmentId);
      enrollmentIds.push(enrollmentId);
      for (const [category, requiredSessions] of [
        ['mental_health', 5],
        ['substance_abuse', 8],
      ] as const) {
        const milestone = await givenMilestone(t, w, enrollmentId, {
          category,
          providerAgencyId: w.clinic.id,
          requiredSessions,
        });
        milestoneIds.push(milestone.id);
      }
    }
  });
  afterAll(() => t.close());

  /** Stored progress beside an exact recount of the stored records; must be equal. */
  async function drift(): Promise<unknown[]> {
    const milestones = await db.query(
      `SELECT m.id, m.attended_sessions AS stored, m.met_at IS NOT NULL AS met,
              m.required_sessions AS required, m.recorded_sessions AS "storedRecorded",
              (SELECT count(*)::int FROM attendance_records a
                WHERE a.milestone_id = m.id AND a.status = 'present' AND a.voided_at IS NULL) AS exact,
              (SELECT count(*)::int FROM attendance_records a
                WHERE a.milestone_id = m.id AND a.voided_at IS NULL) AS "exactRecorded"
         FROM milestones m WHERE m.id = ANY($1::uuid[])`,
      [milestoneIds],
    );
    const enrollments = await db.query(
      `SELECT e.id, e.first_service_at AS stored,
              (SELECT min(coalesce(a.session_started_at,
                                   ((a.session_date + 1)::timestamp AT TIME ZONE p.time_zone)))
                 FROM attendance_records a
                WHERE a.enrollment_id = e.id AND a.status = 'present' AND a.voided_at IS NULL) AS exact
         FROM enrollments e JOIN programs p ON p.id = e.program_id
        WHERE e.id = ANY($1::uuid[])`,
      [enrollmentIds],
    );
    const time = (value: Date | string | null) =>
      value === null ? null : new Date(value).getTime();
    return [
      ...(
        milestones as {
          stored: number;
          exact: number;
          met: boolean;
          required: number;
          storedRecorded: number;
          exactRecorded: number;
        }[]
      )
        .filter(
          (m) =>
            m.stored !== m.exact ||
            m.met !== m.exact >= m.required ||
            m.storedRecorded !== m.exactRecorded,
        )
        .map((m) => ({ milestone: m })),
      ...(enrollments as { stored: Date | null; exact: Date | null }[])
        .filter((e) => time(e.stored) !== time(e.exact))
        .map((e) => ({ enrollment: e })),
    ];
  }

  it(`holds after ${STEPS} random steps (seed ${SEED})`, async () => {
    const random = prng(SEED);
    const pick = <T>(values: readonly T[]): T => values[Math.floor(random() * values.length)];
    const sent: Sent[] = [];
    let serial = 0;
    const as = actingAs(t, w.clinicUser.token);
    const bearer = { type: 'bearer' as const };

    /** A record to send: new, or (one in five, once some exist) a re-sent externalId. */
    const record = () => {
      const replay = sent.length > 0 && random() < 0.2 ? pick(sent) : undefined;
      // A re-send names its own milestone (a duplicate) or, one time in four, another (a conflict).
      const milestoneId = replay && random() < 0.75 ? replay.milestoneId : pick(milestoneIds);
      const externalId = replay ? replay.externalId : `P-${SEED}-${(serial += 1)}`;
      const sessionDate = day(-Math.floor(random() * 6));
      return {
        milestoneId,
        sessionDate,
        status: pick(STATUSES),
        externalId,
        // Half give the session's start (the 24-hour rule's moment), the rest only the date.
        ...(random() < 0.5
          ? {
              sessionStartedAt: `${sessionDate}T10:${String(serial % 60).padStart(2, '0')}:00-08:00`,
            }
          : {}),
      };
    };
    const remember = (records: ReturnType<typeof record>[]) => {
      for (const r of records) {
        if (!sent.some((s) => s.externalId === r.externalId)) {
          sent.push({ externalId: r.externalId, milestoneId: r.milestoneId });
        }
      }
    };
    const batch = async (records: ReturnType<typeof record>[]) => {
      const res = await as.post('/api/v1/attendance/batch', { records }).expect(200);
      remember(records);
      return res.body as { accepted: number; duplicates: number };
    };
    /** A stored record of the clinic, not voided, with its version, or undefined. */
    const storedRecord = async () => {
      const rows: { id: string; version: number; status: string }[] = await db.query(
        `SELECT id, version, status FROM attendance_records
          WHERE milestone_id = ANY($1::uuid[]) AND voided_at IS NULL ORDER BY id`,
        [milestoneIds],
      );
      return rows.length === 0 ? undefined : pick(rows);
    };

    const seen = { accepted: 0, duplicates: 0, corrected: 0, voided: 0, concurrent: 0 };
    for (let step = 0; step < STEPS; step += 1) {
      const roll = random();
      if (roll < 0.35) {
        const records = Array.from({ length: 1 + Math.floor(random() * 12) }, record);
        // Sometimes a record repeated inside the batch (same externalId, same milestone).
        if (random() < 0.3) records.push({ ...records[0] });
        const body = await batch(records);
        seen.accepted += body.accepted;
        seen.duplicates += body.duplicates;
      } else if (roll < 0.5) {
        // Two batches at once on the same milestones, some externalIds in both.
        const shared = Array.from({ length: 3 }, record);
        const [a, b] = await Promise.all([
          batch([...shared, ...Array.from({ length: 5 }, record)]),
          batch([...Array.from({ length: 5 }, record), ...shared]),
        ]);
        seen.accepted += a.accepted + b.accepted;
        seen.duplicates += a.duplicates + b.duplicates;
        seen.concurrent += 1;
      } else if (roll < 0.7) {
        const r = record();
        const { milestoneId, ...body } = r;
        const res = await t.http
          .post(`/api/v1/milestones/${milestoneId}/attendance`)
          .auth(w.clinicUser.token, bearer)
          .send(body);
        // 201 new, 200 a re-send, 409 an externalId of another milestone.
        expect([200, 201, 409]).toContain(res.status);
        if (res.status === 200) seen.duplicates += 1;
        if (res.status === 201) seen.accepted += 1;
        remember([r]);
      } else if (roll < 0.85) {
        const target = await storedRecord();
        if (target) {
          const status = pick(STATUSES.filter((s) => s !== target.status));
          await t.http
            .patch(`/api/v1/attendance/${target.id}`)
            .auth(w.clinicUser.token, bearer)
            .set('If-Match', `"${target.version}"`)
            .send({ status })
            .expect(200);
          seen.corrected += 1;
        }
      } else {
        const target = await storedRecord();
        if (target) {
          await as
            .post(`/api/v1/attendance/${target.id}/void`, { reason: 'entered twice' })
            .expect(200);
          seen.voided += 1;
        }
      }
      expect({ step, drift: await drift() }).toEqual({ step, drift: [] });
    }
    // The mix exercised every kind of step.
    expect(seen.accepted).toBeGreaterThan(50);
    expect(seen.duplicates).toBeGreaterThan(0);
    expect(seen.corrected).toBeGreaterThan(0);
    expect(seen.voided).toBeGreaterThan(0);
    expect(seen.concurrent).toBeGreaterThan(0);
  });

  it('refuses counters that contradict each other (a bug fails the write, not a report)', async () => {
    const [milestoneId] = milestoneIds;
    await expect(
      db.query(`UPDATE milestones SET recorded_sessions = attended_sessions - 1 WHERE id = $1`, [
        milestoneId,
      ]),
    ).rejects.toThrow(
      /milestones_recorded_covers_attended|milestones_recorded_sessions_nonnegative/,
    );
    await expect(
      db.query(`UPDATE milestones SET recorded_sessions = -1 WHERE id = $1`, [milestoneId]),
    ).rejects.toThrow(
      /milestones_recorded_sessions_nonnegative|milestones_recorded_covers_attended/,
    );
  });
});
