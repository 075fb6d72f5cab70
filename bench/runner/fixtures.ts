import type { Client } from 'pg';
import { encodeCursor } from '../../src/common/pagination/pagination';

/**
 * What the scenarios need from the seeded data, read straight from the database before the
 * run: who to sign in as, which ids each caller may see, a deep cursor, search terms, and the
 * rows that write scenarios consume (active milestones, enrollments awaiting the court).
 */
export interface Fixtures {
  coordinator: { email: string; agencyId: string; enrollments: number };
  provider: { email: string; agencyId: string };
  court: { email: string };
  /** A partner system of the coordinator's agency (events:read). */
  eventsClient: { clientId: string };
  admin: { email: string };
  auditor: { email: string };
  /** Enrollments the provider may see (it delivers a milestone of each). */
  providerEnrollmentIds: string[];
  /** `nextCursor` of the page ending at 90% of the coordinator's enrollments. */
  deepCursor: string;
  deepCursorOffset: number;
  namePrefixes: string[];
  caseNumbers: string[];
  /** The provider's milestones on active enrollments, with the days a session may be on. */
  activeMilestones: { id: string; firstDay: string; lastDay: string }[];
  /** Enrollments pending court review, each consumed by one completion. */
  pendingReview: string[];
}

export async function loadFixtures(db: Client): Promise<Fixtures> {
  await db.query(`SET TIME ZONE 'UTC'`);
  const one = async <T>(sql: string, params: unknown[] = []): Promise<T> => {
    const { rows } = await db.query(sql, params);
    if (rows.length === 0) throw new Error(`the seeded database has nothing for: ${sql}`);
    return rows[0] as T;
  };
  const userOf = (agencyId: string | null, role: string) =>
    one<{ email: string }>(
      `SELECT email FROM users WHERE role = $2 AND disabled_at IS NULL
          AND ($1::uuid IS NULL OR agency_id = $1) ORDER BY email LIMIT 1`,
      [agencyId, role],
    );

  // The busiest coordinator agency and provider: the callers with the most rows in scope.
  const coordinatorAgency = await one<{ id: string; n: string }>(
    `SELECT owner_agency_id AS id, count(*) AS n FROM enrollments
      GROUP BY owner_agency_id ORDER BY count(*) DESC, owner_agency_id LIMIT 1`,
  );
  const providerAgency = await one<{ id: string }>(
    `SELECT m.provider_agency_id AS id FROM milestones m JOIN enrollments e ON e.id = m.enrollment_id
      WHERE e.status = 'active' AND EXISTS (SELECT 1 FROM users u WHERE u.agency_id = m.provider_agency_id
                                              AND u.role = 'provider' AND u.disabled_at IS NULL)
      GROUP BY m.provider_agency_id ORDER BY count(*) DESC, m.provider_agency_id LIMIT 1`,
  );
  const eventsClient = await one<{ client_id: string }>(
    `SELECT client_id FROM api_clients WHERE agency_id = $1 AND revoked_at IS NULL
        AND 'events:read' = ANY (scopes) ORDER BY client_id LIMIT 1`,
    [coordinatorAgency.id],
  );

  const providerEnrollments = await db.query<{ id: string }>(
    `SELECT DISTINCT enrollment_id AS id FROM milestones WHERE provider_agency_id = $1
      ORDER BY 1 LIMIT 20000`,
    [providerAgency.id],
  );

  const total = Number(coordinatorAgency.n);
  const offset = Math.floor(total * 0.9);
  const deep = await one<{ at: string; id: string }>(
    `SELECT to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS at, id
       FROM enrollments WHERE owner_agency_id = $1 ORDER BY created_at, id OFFSET $2 LIMIT 1`,
    [coordinatorAgency.id, offset],
  );

  // Three-letter prefixes of names the coordinator can see, the commoner ones more often.
  const prefixes = await db.query<{ prefix: string }>(
    `SELECT prefix FROM (
       SELECT left(last_name_key, 3) AS prefix, count(*) AS n FROM participants
        WHERE owner_agency_id = $1 AND length(last_name_key) >= 3 GROUP BY 1
       UNION ALL
       SELECT left(first_name_key, 3), count(*) FROM participants
        WHERE owner_agency_id = $1 AND length(first_name_key) >= 3 GROUP BY 1) t
      ORDER BY n DESC, prefix LIMIT 40`,
    [coordinatorAgency.id],
  );
  const caseNumbers = await db.query<{ case_number: string }>(
    `SELECT case_number FROM participants WHERE owner_agency_id = $1 ORDER BY id LIMIT 5000`,
    [coordinatorAgency.id],
  );

  const active = await db.query<{ id: string; first_day: string; last_day: string }>(
    `SELECT m.id, to_char(e.start_date, 'YYYY-MM-DD') AS first_day,
            to_char(least(e.scheduled_end_date, current_date), 'YYYY-MM-DD') AS last_day
       FROM milestones m JOIN enrollments e ON e.id = m.enrollment_id
      WHERE m.provider_agency_id = $1 AND e.status = 'active' AND e.start_date <= current_date
      ORDER BY m.id`,
    [providerAgency.id],
  );
  // Only the court an enrollment was submitted to may decide it: the court with the most
  // enrollments awaiting it, and those enrollments.
  const reviewingCourt = await one<{ id: string }>(
    `SELECT review_court_agency_id AS id FROM enrollments
      WHERE status = 'pending_court_review' AND review_court_agency_id IS NOT NULL
      GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1`,
  );
  const pending = await db.query<{ id: string }>(
    `SELECT id FROM enrollments
      WHERE status = 'pending_court_review' AND review_court_agency_id = $1
      ORDER BY submitted_for_review_at, id`,
    [reviewingCourt.id],
  );

  return {
    coordinator: {
      email: (await userOf(coordinatorAgency.id, 'coordinator')).email,
      agencyId: coordinatorAgency.id,
      enrollments: total,
    },
    provider: {
      email: (await userOf(providerAgency.id, 'provider')).email,
      agencyId: providerAgency.id,
    },
    court: await userOf(reviewingCourt.id, 'court'),
    admin: await userOf(null, 'admin'),
    auditor: await userOf(null, 'auditor'),
    eventsClient: { clientId: eventsClient.client_id },
    providerEnrollmentIds: providerEnrollments.rows.map((r) => r.id),
    // The same cursor the API hands out as nextCursor (common/pagination, time-id-cursor).
    deepCursor: encodeCursor([deep.at, deep.id]),
    deepCursorOffset: offset,
    namePrefixes: prefixes.rows.map((r) => r.prefix),
    caseNumbers: caseNumbers.rows.map((r) => r.case_number),
    activeMilestones: active.rows.map((r) => ({
      id: r.id,
      firstDay: r.first_day,
      lastDay: r.last_day,
    })),
    pendingReview: pending.rows.map((r) => r.id),
  };
}
