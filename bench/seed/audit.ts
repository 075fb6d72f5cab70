import type { Client } from 'pg';
import { Prng } from '../lib/prng';
import { CopyWriter } from './copy';
import type { Plan } from './plan';
import { ts } from './write';

const MINUTE_US = 60_000_000;

/**
 * Audit entries in proportion to the rest: who created, read and changed what, for every
 * enrollment. Written only to the verifiable audit log's `audit_events` (position, txid,
 * request_id, no hash chain); the app builds `audit_log`, `audit_tree_nodes` and
 * `audit_checkpoints` from them itself. A database still on the hash-chained audit trail (no
 * `request_id` column) gets none: its rows would need a chain this seed does not compute.
 */
/** True once the verifiable audit log's migration has run (audit_events has request_id). */
export async function hasVerifiableAuditLog(db: Client): Promise<boolean> {
  const { rowCount } = await db.query(
    `SELECT 1 FROM information_schema.columns
      WHERE table_schema = 'public' AND table_name = 'audit_events' AND column_name = 'request_id'`,
  );
  return rowCount === 1;
}

export async function seedAuditEvents(
  db: Client,
  plan: Plan,
  seed: number,
  log: (line: string) => void = console.log,
): Promise<number | null> {
  if (!(await hasVerifiableAuditLog(db))) {
    log(
      '  audit: skipped (audit_events has no request_id column: this database has the hash-chained audit trail, not the verifiable audit log)',
    );
    return null;
  }
  const prng = new Prng(seed).fork('audit');
  const latest = plan.nowUs - 1_000_000;
  const providerStaff = new Map<string, string>();
  for (const [agencyId, recorders] of plan.recorders) {
    if (recorders.users.length > 0) providerStaff.set(agencyId, recorders.users[0]);
  }
  const userIds = new Set(plan.users.map((u) => u.id));
  const courtUsers = new Map(
    plan.users.filter((u) => u.role === 'court').map((u) => [u.agencyId, u.id] as const),
  );
  // Plain INSERT semantics (no FREEZE): the table refuses TRUNCATE.
  const writer = await CopyWriter.open(
    db,
    'audit_events',
    [
      'id',
      'at',
      'actor_id',
      'actor_kind',
      'actor_agency_id',
      'action',
      'subject_type',
      'subject_id',
      'purpose',
      'outcome',
      'request_id',
    ],
    { freeze: false },
  );
  type Actor = {
    id: string | null;
    kind: 'user' | 'client' | 'system' | 'anonymous';
    agency: string | null;
  };
  const add = (
    at: number,
    actor: Actor,
    action: string,
    subjectType: string,
    subjectId: string | null,
    extra: { purpose?: string; outcome?: 'success' | 'denied' } = {},
  ) =>
    writer.row(
      [
        prng.uuid(),
        // Reads planned after the seeding day did not happen yet: they are kept at its start.
        ts(Math.min(at, latest)),
        actor.id ?? '\\N',
        actor.kind,
        actor.agency ?? '\\N',
        action,
        subjectType,
        subjectId ?? '\\N',
        extra.purpose ?? '\\N',
        extra.outcome ?? 'success',
        actor.kind === 'system' ? '\\N' : prng.uuid(),
      ].join('\t'),
    );

  for (const e of plan.enrollments) {
    const coordinator: Actor = { id: e.coordinatorId, kind: 'user', agency: e.ownerAgencyId };
    add(
      e.participant.createdAt,
      coordinator,
      'participant.created',
      'participant',
      e.participant.id,
    );
    add(e.arrest.createdAt, coordinator, 'arrest_record.created', 'arrest_record', e.arrest.id);
    add(e.createdAt, coordinator, 'enrollment.created', 'enrollment', e.id);
    for (const m of e.milestones)
      add(m.createdAt, coordinator, 'milestone.created', 'milestone', m.id);
    for (const c of e.consents) add(c.createdAt, coordinator, 'consent.recorded', 'consent', c.id);
    if (e.activatedAt !== null)
      add(e.activatedAt, coordinator, 'enrollment.activate', 'enrollment', e.id);
    const reads = prng.int(1, 3);
    for (let i = 0; i < reads; i++) {
      add(
        e.createdAt + prng.int(1, 20_000) * MINUTE_US,
        coordinator,
        'participant.read',
        'participant',
        e.participant.id,
      );
    }
    for (const m of e.milestones) {
      const staff = providerStaff.get(m.providerAgencyId) ?? null;
      const recorder: Actor = {
        id: m.recordedBy,
        kind: m.viaClient ? 'client' : 'user',
        agency: m.providerAgencyId,
      };
      const provider: Actor = { id: staff, kind: 'user', agency: m.providerAgencyId };
      const start = e.firstServiceAt ?? m.createdAt;
      for (let i = 0; i < Math.ceil(m.sessions / 5); i++) {
        add(
          start + i * 2 * 1440 * MINUTE_US,
          recorder,
          'attendance.batch_recorded',
          'milestone',
          m.id,
        );
      }
      for (let i = prng.int(1, 4); i > 0; i--) {
        add(
          m.createdAt + prng.int(60, 40_000) * MINUTE_US,
          provider,
          'enrollment.read',
          'enrollment',
          e.id,
        );
      }
      if (prng.chance(0.01)) {
        add(
          m.createdAt + prng.int(60, 40_000) * MINUTE_US,
          provider,
          'arrest_record.read',
          'arrest_record',
          e.arrest.id,
          { outcome: 'denied' },
        );
      }
    }
    if (e.submittedForReviewAt !== null) {
      add(e.submittedForReviewAt, coordinator, 'enrollment.submit_for_review', 'enrollment', e.id);
    }
    for (const review of e.reviews) {
      const clerk: Actor = { id: review.decidedBy, kind: 'user', agency: review.courtAgencyId };
      add(
        review.decidedAt,
        clerk,
        `enrollment.${review.decision === 'confirmed' ? 'confirm' : 'reject'}_completion`,
        'enrollment',
        e.id,
      );
      if (review.decision === 'confirmed') {
        add(review.decidedAt, clerk, 'arrest_record.sealed', 'arrest_record', e.arrest.id);
        for (const n of e.notices)
          add(review.decidedAt, clerk, 'sealing_notice.created', 'sealing_notice', n.id);
      }
    }
    for (const d of e.disclosures) {
      const clerk = courtUsers.get(d.agencyId);
      if (clerk) {
        add(
          d.firstDisclosedAt,
          { id: clerk, kind: 'user', agency: d.agencyId },
          'arrest_record.read',
          'arrest_record',
          e.arrest.id,
          { purpose: 'Court review of program completion' },
        );
      }
    }
    for (const n of e.notices) {
      if (n.acknowledgedAt !== null && n.acknowledgedBy !== null) {
        add(
          n.acknowledgedAt,
          {
            id: n.acknowledgedBy,
            kind: userIds.has(n.acknowledgedBy) ? 'user' : 'client',
            agency: n.agencyId,
          },
          'sealing_notice.acknowledged',
          'sealing_notice',
          n.id,
        );
      }
    }
    if (e.endedAt !== null) {
      add(
        e.endedAt,
        coordinator,
        `enrollment.${e.status === 'withdrawn' ? 'withdraw' : 'terminate'}`,
        'enrollment',
        e.id,
      );
    }
    if (prng.chance(0.3)) {
      add(
        e.createdAt + prng.int(1, 600) * MINUTE_US,
        { id: null, kind: 'anonymous', agency: null },
        'auth.login',
        'user',
        null,
        { outcome: 'denied' },
      );
    }
    if (writer.full) await writer.flush();
  }
  return writer.close();
}
