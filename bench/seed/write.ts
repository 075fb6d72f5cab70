import type { Client } from 'pg';
import { hashClientSecret } from '../../src/identity/auth/auth.service';
import { createHash } from 'node:crypto';
import {
  arrestLocationContext,
  attendanceNotesContext,
  FieldCipher,
} from '../../src/infrastructure/crypto/field-cipher';
import { Prng } from '../lib/prng';
import { copyRows, CopyWriter, json, num, text, words } from './copy';
import { NOTES } from './names';
import { DAY_US, type Enrollment, type Milestone, type Plan } from './plan';
import { clientSecretFor } from './scales';

const HOUR_US = 3_600_000_000;
const MINUTE_US = 60_000_000;

const two = (n: number) => (n < 10 ? `0${n}` : String(n));

/** timestamptz text with microseconds, in UTC (made by hand: this runs millions of times). */
export function ts(us: number | null): string {
  if (us === null) return '\\N';
  const whole = Math.floor(us);
  const day = Math.floor(whole / DAY_US);
  let rest = whole - day * DAY_US;
  const micros = rest % 1_000_000;
  rest = (rest - micros) / 1_000_000;
  const seconds = rest % 60;
  rest = (rest - seconds) / 60;
  const minutes = rest % 60;
  const hours = (rest - minutes) / 60;
  return `${date(day)}T${two(hours)}:${two(minutes)}:${two(seconds)}.${String(micros).padStart(6, '0')}Z`;
}

const dayCache = new Map<number, string>();
/** A day number as a date (YYYY-MM-DD). */
export function date(day: number | null): string {
  if (day === null) return '\\N';
  let s = dayCache.get(day);
  if (s === undefined) {
    s = new Date(day * 86_400_000).toISOString().slice(0, 10);
    dayCache.set(day, s);
  }
  return s;
}

const row = (...fields: string[]) => fields.join('\t');

/**
 * Loads every table but attendance and the outbox, from the plan. Tables are shared out over
 * the connections (their keys are dropped while loading, so the order does not matter), and
 * each table's rows are made only when its COPY starts. COPY fills pages to the table's
 * fillfactor (80 for `enrollments` and `milestones`, migration 1764001750000), so their seeded
 * pages keep the room for HOT updates that production's pages written since have.
 */
export async function writeTables(
  connections: readonly Client[],
  plan: Plan,
  passwordHash: string,
): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  const tasks: { table: string; columns: string[]; rows: () => Iterable<string> }[] = [];
  const load = (table: string, columns: string[], rows: () => Iterable<string>) => {
    tasks.push({ table, columns, rows });
  };
  const enrollments = plan.enrollments;

  load('agencies', ['id', 'name', 'kind', 'services', 'created_at'], () =>
    plan.agencies.map((a) => row(a.id, text(a.name), a.kind, words(a.services), ts(a.createdAt))),
  );
  load(
    'users',
    [
      'id',
      'email',
      'display_name',
      'role',
      'agency_id',
      'password_hash',
      'disabled_at',
      'created_at',
    ],
    () =>
      plan.users.map((u) =>
        row(
          u.id,
          u.email,
          text(u.displayName),
          u.role,
          u.agencyId,
          text(passwordHash),
          ts(u.disabledAt),
          ts(u.createdAt),
        ),
      ),
  );
  load(
    'api_clients',
    ['id', 'client_id', 'name', 'agency_id', 'scopes', 'secret_hash', 'revoked_at', 'created_at'],
    () =>
      plan.clients.map((c) =>
        row(
          c.id,
          c.clientId,
          text(c.name),
          c.agencyId,
          words(c.scopes),
          hashClientSecret(clientSecretFor(c.clientId)),
          ts(c.revokedAt),
          ts(c.createdAt),
        ),
      ),
  );
  load(
    'participants',
    [
      'id',
      'case_number',
      'owner_agency_id',
      'first_name',
      'last_name',
      'first_name_key',
      'last_name_key',
      'date_of_birth',
      'gender',
      'preferred_language',
      'guardian',
      'created_by',
      'created_at',
      'updated_at',
    ],
    () =>
      plan.participants.map((p) =>
        row(
          p.id,
          p.caseNumber,
          p.ownerAgencyId,
          text(p.firstName),
          text(p.lastName),
          text(p.firstNameKey),
          text(p.lastNameKey),
          date(p.dateOfBirth),
          text(p.gender),
          text(p.preferredLanguage),
          json(p.guardian),
          p.createdBy,
          ts(p.createdAt),
          ts(p.createdAt),
        ),
      ),
  );
  load(
    'arrest_records',
    [
      'id',
      'participant_id',
      'owner_agency_id',
      'arresting_agency_id',
      'kind',
      'booking_number',
      'arrested_at',
      'charges',
      'location',
      'status',
      'sealed_at',
      'created_by',
      'created_at',
    ],
    () =>
      [...plan.arrests]
        .sort((a, b) => a.createdAt - b.createdAt)
        .map((a) =>
          row(
            a.id,
            a.participantId,
            a.ownerAgencyId,
            a.arrestingAgencyId,
            a.kind,
            text(a.bookingNumber),
            ts(a.arrestedAt),
            json(a.charges),
            text(
              a.location === null
                ? null
                : benchCipher.encrypt(a.location, arrestLocationContext(a.id)),
            ),
            a.sealedAt === null ? 'open' : 'sealed',
            ts(a.sealedAt),
            a.createdBy,
            ts(a.createdAt),
          ),
        ),
  );
  load('arrest_record_disclosures', ['arrest_record_id', 'agency_id', 'first_disclosed_at'], () =>
    enrollments.flatMap((e) =>
      e.disclosures.map((d) => row(e.arrest.id, d.agencyId, ts(d.firstDisclosedAt))),
    ),
  );
  load(
    'enrollments',
    [
      'id',
      'program_id',
      'participant_id',
      'arrest_record_id',
      'owner_agency_id',
      'site',
      'status',
      'start_date',
      'scheduled_end_date',
      'activated_at',
      'first_service_at',
      'submitted_for_review_at',
      'review_court_agency_id',
      'completed_at',
      'ended_at',
      'end_reason',
      'minor_notified_at',
      'minor_notification_method',
      'version',
      'created_by',
      'created_at',
      'updated_at',
      'length_days',
      'guardian_consent_required',
      'assigned_coordinator_id',
      'participant_owner_agency_id',
    ],
    () =>
      enrollments.map((e) =>
        row(
          e.id,
          plan.programId,
          e.participant.id,
          e.arrest.id,
          e.ownerAgencyId,
          text(e.site),
          e.status,
          date(e.startDay),
          date(e.scheduledEndDay),
          ts(e.activatedAt),
          ts(e.firstServiceAt),
          ts(e.submittedForReviewAt),
          e.reviewCourtAgencyId ?? '\\N',
          ts(e.completedAt),
          ts(e.endedAt),
          text(e.endReason),
          ts(e.minorNotifiedAt),
          text(e.minorNotificationMethod),
          String(e.version),
          e.coordinatorId,
          ts(e.createdAt),
          ts(e.updatedAt),
          String(plan.programLengthDays),
          plan.guardianConsentRequired ? 't' : 'f',
          // A case stays with the coordinator who opened it.
          e.coordinatorId,
          e.participant.ownerAgencyId,
        ),
      ),
  );
  load(
    'enrollment_extensions',
    ['id', 'enrollment_id', 'days', 'reason', 'granted_by', 'granted_at'],
    () =>
      enrollments.flatMap((e) =>
        e.extensions.map((x) =>
          row(x.id, e.id, String(x.days), text(x.reason), x.grantedBy, ts(x.grantedAt)),
        ),
      ),
  );
  load(
    'consents',
    [
      'id',
      'enrollment_id',
      'kind',
      'signed_by',
      'signed_at',
      'service_category',
      'recipient_agency_id',
      'expires_at',
      'revoked_at',
      'revoke_reason',
      'revoked_by',
      'recorded_by',
      'created_at',
    ],
    () =>
      enrollments.flatMap((e) =>
        e.consents.map((c) =>
          row(
            c.id,
            e.id,
            c.kind,
            text(c.signedBy),
            ts(c.signedAt),
            text(c.serviceCategory),
            text(c.recipientAgencyId),
            ts(c.expiresAt),
            ts(c.revokedAt),
            text(c.revokeReason),
            text(c.revokedBy),
            c.recordedBy,
            ts(c.createdAt),
          ),
        ),
      ),
  );
  load(
    'milestones',
    [
      'id',
      'enrollment_id',
      'category',
      'provider_agency_id',
      'required_sessions',
      'attended_sessions',
      'recorded_sessions',
      'met_at',
      'version',
      'created_by',
      'created_at',
      'updated_at',
    ],
    () =>
      enrollments.flatMap((e) =>
        e.milestones.map((m) =>
          row(
            m.id,
            e.id,
            m.category,
            m.providerAgencyId,
            String(m.requiredSessions),
            String(m.present),
            // Every generated record counts: the generator voids none.
            String(m.sessions),
            ts(m.metAt),
            // Each write that changes progress bumps the version.
            String(1 + m.present),
            m.createdBy,
            ts(m.createdAt),
            ts(Math.max(m.createdAt, m.metAt ?? 0)),
          ),
        ),
      ),
  );
  load(
    'court_reviews',
    [
      'id',
      'enrollment_id',
      'court_agency_id',
      'decision',
      'court_order_number',
      'notes',
      'reasons',
      'decided_by',
      'decided_at',
    ],
    () =>
      enrollments.flatMap((e) =>
        e.reviews.map((r) =>
          row(
            r.id,
            e.id,
            r.courtAgencyId,
            r.decision,
            text(r.courtOrderNumber),
            text(r.notes),
            // A court gives its reasons whenever it does not confirm (shown to the coordinator).
            text(r.decision === 'confirmed' ? null : r.notes),
            r.decidedBy,
            ts(r.decidedAt),
          ),
        ),
      ),
  );
  load(
    'sealing_notices',
    [
      'id',
      'enrollment_id',
      'arrest_record_id',
      'agency_id',
      'status',
      'created_at',
      'due_at',
      'acknowledged_at',
      'acknowledged_by',
      'reference',
      'overdue_reported_at',
    ],
    () =>
      enrollments.flatMap((e) =>
        e.notices.map((n) =>
          row(
            n.id,
            e.id,
            e.arrest.id,
            n.agencyId,
            n.acknowledgedAt === null ? 'pending' : 'acknowledged',
            ts(n.createdAt),
            ts(n.dueAt),
            ts(n.acknowledgedAt),
            text(n.acknowledgedBy),
            text(n.reference),
            ts(n.overdueReportedAt),
          ),
        ),
      ),
  );
  let next = 0;
  await Promise.all(
    connections.map(async (db) => {
      while (next < tasks.length) {
        const task = tasks[next++];
        counts[task.table] = await copyRows(db, task.table, task.columns, task.rows());
      }
    }),
  );
  return counts;
}

interface PendingEvent {
  at: number;
  type: string;
  agencyId: string | null;
  enrollmentId: string | null;
  data: Record<string, string | number | boolean | null>;
}

/**
 * The field key of benchmark databases (synthetic data only): the seed encrypts session notes
 * and arrest locations with it, as the service stores them, and bench/run.ts gives it to the servers it starts.
 */
export const BENCH_FIELD_ENCRYPTION_KEYS = `bench:${createHash('sha256')
  .update('first-step-bench-field-key')
  .digest('base64')}`;
const benchCipher = FieldCipher.fromSettings({
  FIELD_ENCRYPTION_KEYS: BENCH_FIELD_ENCRYPTION_KEYS,
  DATA_DIR: '/nonexistent',
}).cipher;

const ATTENDANCE_COLUMNS = [
  'id',
  'milestone_id',
  'enrollment_id',
  'provider_agency_id',
  'session_date',
  'status',
  'duration_minutes',
  'notes',
  'external_id',
  'recorded_by',
  'version',
  'created_at',
  'updated_at',
];
const OUTBOX_COLUMNS = ['id', 'type', 'occurred_at', 'agency_id', 'enrollment_id', 'data'];

/**
 * Streams attendance rows and the outbox, enrollment by enrollment, into two COPYs on two
 * connections at once. An enrollment's events are written in the order they happened, with
 * the payloads the app writes (ids, statuses and dates only).
 */
export async function streamAttendanceAndEvents(
  attendanceDb: Client,
  outboxDb: Client,
  plan: Plan,
  seed: number,
): Promise<{ attendance: number; events: number }> {
  const prng = new Prng(seed).fork('attendance-rows');
  const ids = new Prng(seed).fork('event-ids');
  const attendance = await CopyWriter.open(attendanceDb, 'attendance_records', ATTENDANCE_COLUMNS, {
    freeze: true,
  });
  const outbox = await CopyWriter.open(outboxDb, 'outbox_events', OUTBOX_COLUMNS, { freeze: true });
  let externalId = 0;
  const latest = plan.nowUs - MINUTE_US;

  for (const e of plan.enrollments) {
    const events = lifecycleEvents(e);
    const firstServiceMilestone = e.milestones.find((m) => m.present > 0);
    for (const m of e.milestones) {
      if (m.sessions === 0 || m.firstDay === null || m.lastDay === null) continue;
      const span = m.lastDay - m.firstDay;
      const notes = NOTES[m.category];
      for (let k = 0; k < m.sessions; k++) {
        const present = k < m.present;
        let day: number;
        let createdAt: number;
        if (m === firstServiceMilestone && k === 0) {
          day = m.firstDay;
          createdAt = e.firstServiceAt!;
        } else {
          day = m.firstDay + Math.floor(prng.next() * (span + 1));
          createdAt = day * DAY_US + 8 * HOUR_US + Math.floor(prng.next() * 7 * HOUR_US);
          if (e.firstServiceAt !== null && createdAt <= e.firstServiceAt) {
            createdAt = e.firstServiceAt + prng.int(1, 600) * 1_000_000;
          }
        }
        const status = present ? 'present' : prng.chance(0.6) ? 'absent' : 'excused';
        const corrected = prng.chance(0.02);
        const updatedAt = corrected
          ? Math.min(createdAt + prng.int(1, 48) * HOUR_US, latest)
          : createdAt;
        // Time-ordered as the app's (UUIDv7 of the moment it was recorded).
        const id = prng.uuid7(Math.floor(createdAt / 1000));
        const external =
          m.viaClient || prng.chance(0.3)
            ? `${m.providerAgencyId.slice(0, 8)}-${++externalId}`
            : null;
        attendance.row(
          row(
            id,
            m.id,
            e.id,
            m.providerAgencyId,
            date(day),
            status,
            num(durationFor(m, prng)),
            prng.chance(0.25)
              ? text(
                  benchCipher.encrypt(
                    notes[prng.int(0, notes.length - 1)],
                    attendanceNotesContext(id),
                  ),
                )
              : '\\N',
            external ?? '\\N',
            m.recordedBy,
            corrected ? '2' : '1',
            ts(createdAt),
            ts(updatedAt),
          ),
        );
        events.push({
          at: createdAt,
          type: 'attendance.recorded',
          agencyId: null,
          enrollmentId: e.id,
          data: {
            attendanceId: id,
            milestoneId: m.id,
            enrollmentId: e.id,
            category: m.category,
            status,
            sessionDate: date(day),
            version: 1,
          },
        });
      }
      if (attendance.full) await attendance.flush();
    }
    events.sort((a, b) => a.at - b.at);
    for (const event of events) {
      outbox.row(
        row(
          ids.uuid7(Math.floor(event.at / 1000)),
          event.type,
          ts(event.at),
          event.agencyId ?? '\\N',
          event.enrollmentId ?? '\\N',
          json(event.data),
        ),
      );
    }
    if (outbox.full) await outbox.flush();
  }
  const [attendanceRows, eventRows] = await Promise.all([attendance.close(), outbox.close()]);
  return { attendance: attendanceRows, events: eventRows };
}

function durationFor(m: Milestone, prng: Prng): number | null {
  switch (m.category) {
    case 'mental_health':
      return prng.pick([45, 50, 60, 90]);
    case 'substance_abuse':
      return prng.int(45, 120);
    case 'education':
      return prng.int(90, 360);
    default:
      return prng.chance(0.5) ? null : 720;
  }
}

/** The events the app writes over an enrollment's life, except attendance. */
function lifecycleEvents(e: Enrollment): PendingEvent[] {
  const p = e.participant;
  const events: PendingEvent[] = [
    {
      at: p.createdAt,
      type: 'participant.created',
      agencyId: e.ownerAgencyId,
      enrollmentId: null,
      data: { participantId: p.id },
    },
    {
      at: e.createdAt,
      type: 'enrollment.created',
      agencyId: null,
      enrollmentId: e.id,
      data: {
        enrollmentId: e.id,
        participantId: p.id,
        status: 'pending_consent',
        startDate: date(e.startDay),
        scheduledEndDate: date(e.scheduledEndDay - totalDays(e)),
      },
    },
  ];
  const changed = (at: number, from: string, to: string, action: string) =>
    events.push({
      at,
      type: 'enrollment.status_changed',
      agencyId: null,
      enrollmentId: e.id,
      data: { enrollmentId: e.id, from, to, action },
    });
  for (const m of e.milestones) {
    events.push({
      at: m.createdAt,
      type: 'milestone.created',
      agencyId: null,
      enrollmentId: e.id,
      data: {
        milestoneId: m.id,
        enrollmentId: e.id,
        category: m.category,
        providerAgencyId: m.providerAgencyId,
        requiredSessions: m.requiredSessions,
      },
    });
    if (m.metAt !== null) {
      events.push({
        at: m.metAt,
        type: 'milestone.met',
        agencyId: null,
        enrollmentId: e.id,
        data: { milestoneId: m.id, enrollmentId: e.id, category: m.category },
      });
    }
  }
  let end = e.scheduledEndDay - totalDays(e);
  for (const x of e.extensions) {
    end += x.days;
    events.push({
      at: x.grantedAt,
      type: 'enrollment.extended',
      agencyId: null,
      enrollmentId: e.id,
      data: { enrollmentId: e.id, days: x.days, scheduledEndDate: date(end) },
    });
  }
  if (e.activatedAt !== null) {
    events.push({
      at: e.activatedAt,
      type: 'enrollment.activated',
      agencyId: null,
      enrollmentId: e.id,
      data: {
        enrollmentId: e.id,
        participantId: p.id,
        status: 'active',
        activatedAt: new Date(Math.floor(e.activatedAt / 1000)).toISOString(),
      },
    });
    changed(e.activatedAt, 'pending_consent', 'active', 'activate');
  }
  for (const review of e.reviews) {
    if (review.decision === 'rejected') {
      changed(review.decidedAt - HOUR_US, 'active', 'pending_court_review', 'submit_for_review');
      changed(review.decidedAt, 'pending_court_review', 'active', 'reject_completion');
    }
  }
  if (e.status === 'pending_court_review' || e.status === 'completed') {
    changed(e.submittedForReviewAt!, 'active', 'pending_court_review', 'submit_for_review');
  }
  if (e.status === 'completed') {
    const at = e.completedAt!;
    changed(at, 'pending_court_review', 'completed', 'confirm_completion');
    for (const n of e.notices) {
      events.push({
        at,
        type: 'arrest_record.sealed',
        agencyId: n.agencyId,
        enrollmentId: null,
        data: {
          arrestRecordId: e.arrest.id,
          enrollmentId: e.id,
          sealedAt: new Date(Math.floor(at / 1000)).toISOString(),
          sealingNoticeId: n.id,
          dueAt: new Date(Math.floor(n.dueAt / 1000)).toISOString(),
        },
      });
      if (n.acknowledgedAt !== null) {
        events.push({
          at: n.acknowledgedAt,
          type: 'sealing_notice.acknowledged',
          agencyId: n.agencyId,
          enrollmentId: e.id,
          data: {
            sealingNoticeId: n.id,
            arrestRecordId: e.arrest.id,
            agencyId: n.agencyId,
            acknowledgedAt: new Date(Math.floor(n.acknowledgedAt / 1000)).toISOString(),
          },
        });
      }
      if (n.overdueReportedAt !== null) {
        events.push({
          at: n.overdueReportedAt,
          type: 'sealing_notice.overdue',
          agencyId: n.agencyId,
          enrollmentId: e.id,
          data: {
            sealingNoticeId: n.id,
            arrestRecordId: e.arrest.id,
            agencyId: n.agencyId,
            dueAt: new Date(Math.floor(n.dueAt / 1000)).toISOString(),
          },
        });
      }
    }
    events.push({
      at,
      type: 'enrollment.completed',
      agencyId: null,
      enrollmentId: e.id,
      data: {
        enrollmentId: e.id,
        participantId: p.id,
        completedAt: new Date(Math.floor(at / 1000)).toISOString(),
      },
    });
  }
  if (e.endedAt !== null) {
    const from = e.activatedAt === null ? 'pending_consent' : 'active';
    changed(e.endedAt, from, e.status, e.status === 'withdrawn' ? 'withdraw' : 'terminate');
  }
  return events;
}

const totalDays = (e: Enrollment) => e.extensions.reduce((sum, x) => sum + x.days, 0);
