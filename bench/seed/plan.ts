import { searchKey } from '../../src/participants/domain/search-key';
import { SEALING_NOTICE_PERIOD_DAYS } from '../../src/sealing/statutory-clocks';
import { Prng } from '../lib/prng';
import {
  CHARGES,
  COORDINATOR_AGENCIES,
  COURTS,
  FIRST_NAMES_ADULT,
  FIRST_NAMES_YOUTH,
  LAST_NAMES,
  LAW_ENFORCEMENT,
  PLACES,
  REJECTION_NOTES,
  SITES,
  STREETS,
  TERMINATE_REASONS,
  WITHDRAW_REASONS,
} from './names';
import type { ScaleConfig } from './scales';

/**
 * The in-memory plan of a seeded county: agencies, people, participants and their whole
 * enrollment histories, built so that every rule of the schema and of the app holds (see
 * the comments on each step). Attendance rows and outbox events are not kept here: they are
 * generated while streaming (stream.ts) from the per-milestone counts decided here.
 *
 * Times are microseconds since the epoch (exact in a double), dates are day numbers; nothing
 * is later than the start of the seeding day (UTC), so "today" always has room for new rows.
 */

export const DAY_US = 86_400_000_000;
const HOUR_US = 3_600_000_000;
const MINUTE_US = 60_000_000;

export type Category = 'mental_health' | 'substance_abuse' | 'education' | 'shelter';
export const CATEGORIES: readonly Category[] = [
  'mental_health',
  'substance_abuse',
  'education',
  'shelter',
];
export type EnrollmentStatus =
  'pending_consent' | 'active' | 'pending_court_review' | 'completed' | 'withdrawn' | 'terminated';
type AgencyKind =
  | 'district_attorney'
  | 'law_enforcement'
  | 'probation'
  | 'court'
  | 'service_provider'
  | 'child_welfare'
  | 'ngo'
  | 'system';
type Role = 'admin' | 'coordinator' | 'provider' | 'court' | 'auditor';

/** Shares of enrollment statuses: most are active or completed. */
export const STATUS_SHARES: Record<EnrollmentStatus, number> = {
  pending_consent: 0.04,
  active: 0.38,
  pending_court_review: 0.1,
  completed: 0.36,
  withdrawn: 0.06,
  terminated: 0.06,
};

export interface Agency {
  id: string;
  name: string;
  kind: AgencyKind;
  services: Category[];
  createdAt: number;
  /** Relative size: how much of the work it gets. */
  weight: number;
  slug: string;
}

export interface User {
  id: string;
  email: string;
  displayName: string;
  role: Role;
  agencyId: string;
  disabledAt: number | null;
  createdAt: number;
}

export interface ApiClient {
  id: string;
  clientId: string;
  name: string;
  agencyId: string;
  scopes: string[];
  revokedAt: number | null;
  createdAt: number;
}

export interface Participant {
  id: string;
  caseNumber: string;
  ownerAgencyId: string;
  firstName: string;
  lastName: string;
  firstNameKey: string;
  lastNameKey: string;
  dateOfBirth: number;
  gender: string | null;
  preferredLanguage: string | null;
  guardian: { name: string; relationship: string; phone?: string } | null;
  createdBy: string;
  createdAt: number;
}

export interface ArrestRecord {
  id: string;
  participantId: string;
  ownerAgencyId: string;
  arrestingAgencyId: string;
  kind: 'arrest' | 'detention' | 'citation';
  bookingNumber: string;
  arrestedAt: number;
  charges: { code: string; description?: string }[];
  location: string | null;
  sealedAt: number | null;
  createdBy: string;
  createdAt: number;
}

export interface Milestone {
  id: string;
  enrollmentId: string;
  category: Category;
  providerAgencyId: string;
  requiredSessions: number;
  createdBy: string;
  createdAt: number;
  /** Sessions are recorded on these days (inclusive); `null` when none can be. */
  firstDay: number | null;
  lastDay: number | null;
  /** Rows and 'present' rows to generate (decided by allocateAttendance). */
  sessions: number;
  present: number;
  mustBeMet: boolean;
  metAt: number | null;
  /** Who records its attendance: a partner system (with externalIds) or provider staff. */
  recordedBy: string;
  viaClient: boolean;
}

export interface Consent {
  id: string;
  kind: 'participation' | 'guardian' | 'information_sharing';
  signedBy: string;
  signedAt: number;
  serviceCategory: Category | null;
  recipientAgencyId: string | null;
  expiresAt: number | null;
  revokedAt: number | null;
  revokeReason: string | null;
  revokedBy: string | null;
  recordedBy: string;
  createdAt: number;
}

export interface CourtReview {
  id: string;
  courtAgencyId: string;
  decision: 'confirmed' | 'rejected';
  courtOrderNumber: string | null;
  notes: string | null;
  decidedBy: string;
  decidedAt: number;
}

export interface SealingNotice {
  id: string;
  agencyId: string;
  createdAt: number;
  dueAt: number;
  acknowledgedAt: number | null;
  acknowledgedBy: string | null;
  reference: string | null;
  overdueReportedAt: number | null;
}

export interface Extension {
  id: string;
  days: number;
  reason: string;
  grantedBy: string;
  grantedAt: number;
}

export interface Disclosure {
  agencyId: string;
  firstDisclosedAt: number;
}

export interface Enrollment {
  id: string;
  participant: Participant;
  arrest: ArrestRecord;
  ownerAgencyId: string;
  coordinatorId: string;
  site: string;
  status: EnrollmentStatus;
  startDay: number;
  scheduledEndDay: number;
  activatedAt: number | null;
  firstServiceAt: number | null;
  submittedForReviewAt: number | null;
  /** The court the enrollment was submitted to (it alone sees and decides the review). */
  reviewCourtAgencyId: string | null;
  completedAt: number | null;
  endedAt: number | null;
  endReason: string | null;
  minorNotifiedAt: number | null;
  minorNotificationMethod: string | null;
  version: number;
  createdAt: number;
  updatedAt: number;
  courtAgencyId: string;
  milestones: Milestone[];
  consents: Consent[];
  extensions: Extension[];
  reviews: CourtReview[];
  notices: SealingNotice[];
  disclosures: Disclosure[];
}

export interface Plan {
  anchorDay: number;
  /** Start of the seeding day (UTC): every generated time is before it. */
  nowUs: number;
  programId: string;
  agencies: Agency[];
  users: User[];
  clients: ApiClient[];
  participants: Participant[];
  /** Arrest records, including those without an enrollment (referrals not taken up). */
  arrests: ArrestRecord[];
  /** In creation order. */
  enrollments: Enrollment[];
  /** Provider staff and partner systems per service-delivering agency, for attendance rows. */
  recorders: Map<string, { users: string[]; clientId: string | null }>;
}

const REVOKED_CONSENT = 'participation consent revoked';

const slugOf = (name: string) =>
  searchKey(name)
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '')
    .slice(0, 40);

function distribute(prng: Prng, total: number, weights: readonly number[]): number[] {
  const sum = weights.reduce((a, b) => a + b, 0);
  const exact = weights.map((w) => (total * w) / sum);
  const counts = exact.map(Math.floor);
  let left = total - counts.reduce((a, b) => a + b, 0);
  const order = exact
    .map((e, i) => ({ i, frac: e - Math.floor(e) + prng.next() * 1e-9 }))
    .sort((a, b) => b.frac - a.frac);
  for (const { i } of order) {
    if (left-- <= 0) break;
    counts[i]++;
  }
  return counts;
}

/** Builds the whole plan for one scale. Deterministic for a given seed and anchor day. */
export function buildPlan(
  scale: ScaleConfig,
  options: { seed: number; anchorDay: number; programId: string; programLengthDays: number },
): Plan {
  const root = new Prng(options.seed);
  const D = options.anchorDay;
  const nowUs = D * DAY_US;
  const latest = nowUs - MINUTE_US;
  const clampNow = (t: number) => Math.min(t, latest);
  const at = (day: number, prng: Prng, fromHour = 8, toHour = 18) =>
    day * DAY_US + fromHour * HOUR_US + Math.floor(prng.next() * (toHour - fromHour) * HOUR_US);

  // ------------------------------------------------------------------ agencies
  const ag = root.fork('agencies');
  const agencies: Agency[] = [];
  const agencyCreated = (D - 900) * DAY_US;
  const addAgency = (name: string, kind: AgencyKind, services: Category[], weight = 1) => {
    const agency: Agency = {
      id: ag.uuid(),
      name,
      kind,
      services,
      createdAt: agencyCreated + agencies.length * MINUTE_US + ag.int(0, 59_999_999),
      weight,
      slug: slugOf(name),
    };
    agencies.push(agency);
    return agency;
  };
  const system = addAgency('First Step Program Office', 'system', []);
  const coordinatorAgencies = COORDINATOR_AGENCIES.slice(0, scale.coordinatorAgencies).map((a, i) =>
    addAgency(a.name, a.kind, [], 1 / (i + 1.2)),
  );
  const police = LAW_ENFORCEMENT.slice(0, scale.lawEnforcementAgencies).map((name, i) =>
    addAgency(name, 'law_enforcement', [], 1 / (i + 1)),
  );
  const courts = COURTS.slice(0, scale.courts).map((name) => addAgency(name, 'court', []));
  const providerTypes: Record<Category, string> = {
    mental_health: 'Youth Counseling Center',
    substance_abuse: 'Adolescent Recovery Services',
    education: 'Learning Academy',
    shelter: 'Youth Shelter',
  };
  const providers: Agency[] = [];
  for (let i = 0; i < scale.serviceProviders; i++) {
    const primary = CATEGORIES[i % CATEGORIES.length];
    const services = new Set<Category>([primary]);
    if (ag.chance(0.45)) services.add(ag.pick(CATEGORIES));
    if (ag.chance(0.15)) services.add(ag.pick(CATEGORIES));
    const place = PLACES[i % PLACES.length];
    const type = services.size > 1 ? 'Family and Youth Services' : providerTypes[primary];
    const suffix = i >= PLACES.length ? ` ${Math.floor(i / PLACES.length) + 1}` : '';
    providers.push(
      addAgency(
        `${place} ${type}${suffix}`,
        'service_provider',
        CATEGORIES.filter((c) => services.has(c)),
        1 / Math.pow(i + 1, 0.8),
      ),
    );
  }
  for (let i = 0; i < scale.ngos; i++) {
    const place = PLACES[(i * 7 + 3) % PLACES.length];
    const services: Category[] = ag.chance(0.5) ? ['mental_health', 'shelter'] : ['shelter'];
    providers.push(
      addAgency(`${place} Survivors Network ${i + 1}`, 'ngo', services, 0.5 / (i + 1)),
    );
  }
  providers.push(
    addAgency(
      'Los Angeles County Department of Children and Family Services',
      'child_welfare',
      ['shelter', 'education'],
      0.3,
    ),
  );

  // ------------------------------------------------------------------ users and clients
  const us = root.fork('users');
  const users: User[] = [];
  const byAgencyRole = new Map<string, User[]>();
  const personName = () => `${us.pick(FIRST_NAMES_ADULT)} ${us.pick(LAST_NAMES)}`;
  const addUsers = (agency: Agency, role: Role, count: number) => {
    for (let n = 1; n <= count; n++) {
      const user: User = {
        id: us.uuid(),
        email: `${role}${n}@${agency.slug}.bench.test`,
        displayName: personName(),
        role,
        agencyId: agency.id,
        // Never the first of an agency: the runner signs in as that one.
        disabledAt: n > 1 && us.chance(0.03) ? (D - us.int(1, 300)) * DAY_US : null,
        createdAt: agency.createdAt + us.int(1, 60) * DAY_US,
      };
      users.push(user);
      const key = `${agency.id}/${role}`;
      byAgencyRole.set(key, [...(byAgencyRole.get(key) ?? []), user]);
    }
  };
  const perThousand = scale.participants / 1000;
  addUsers(system, 'admin', 2);
  addUsers(system, 'auditor', 2);
  const coordinatorShares = distribute(
    us,
    scale.participants,
    coordinatorAgencies.map((a) => a.weight),
  );
  coordinatorAgencies.forEach((agency, i) => {
    addUsers(agency, 'coordinator', Math.max(2, Math.round(coordinatorShares[i] / 400)));
    addUsers(agency, 'auditor', 1);
  });
  courts.forEach((court) => addUsers(court, 'court', Math.max(2, Math.round(perThousand / 4))));
  providers.forEach((provider) =>
    addUsers(provider, 'provider', Math.max(2, Math.round(provider.weight * perThousand))),
  );
  const staff = (agency: string, role: Role) => byAgencyRole.get(`${agency}/${role}`) ?? [];

  const clients: ApiClient[] = [];
  const addClient = (agency: Agency, name: string, scopes: string[], revoked = false) => {
    const client: ApiClient = {
      id: us.uuid(),
      clientId: `fsc_${us.hex(12)}`,
      name,
      agencyId: agency.id,
      scopes,
      revokedAt: revoked ? (D - us.int(1, 200)) * DAY_US : null,
      createdAt: agency.createdAt + us.int(1, 90) * DAY_US,
    };
    clients.push(client);
    return client;
  };
  const caseSystems = new Map<string, ApiClient>();
  for (const agency of coordinatorAgencies) {
    caseSystems.set(
      agency.id,
      addClient(agency, `${agency.name} case management system`, [
        'participants:read',
        'enrollments:read',
        'events:read',
        'webhooks:manage',
        'sealing:ack',
      ]),
    );
  }
  const recordsSystems = new Map<string, ApiClient>();
  for (const agency of police) {
    recordsSystems.set(
      agency.id,
      addClient(agency, `${agency.name} records system`, ['events:read', 'sealing:ack']),
    );
  }
  const recorders = new Map<string, { users: string[]; clientId: string | null }>();
  providers.forEach((provider, i) => {
    const synced =
      i % 5 < 2
        ? addClient(provider, `${provider.name} attendance sync`, [
            'attendance:write',
            'enrollments:read',
            'events:read',
          ])
        : null;
    recorders.set(provider.id, {
      users: staff(provider.id, 'provider').map((u) => u.id),
      clientId: synced?.id ?? null,
    });
  });
  addClient(coordinatorAgencies[0], 'Retired reporting export', ['events:read'], true);

  // ------------------------------------------------------------------ enrollments
  const en = root.fork('enrollments');
  const statuses = Object.keys(STATUS_SHARES) as EnrollmentStatus[];
  const statusWeights = statuses.map((s) => STATUS_SHARES[s]);
  const providersFor = new Map(
    CATEGORIES.map((c) => [c, providers.filter((p) => p.services.includes(c))]),
  );
  const categoryWeights: Record<Category, number> = {
    mental_health: 0.9,
    substance_abuse: 0.45,
    education: 0.6,
    shelter: 0.35,
  };
  const requiredRange: Record<Category, [number, number]> = {
    mental_health: [8, 12],
    substance_abuse: [6, 10],
    education: [8, 10],
    shelter: [4, 10],
  };
  const length = options.programLengthDays;
  const enrollments: Enrollment[] = [];
  const arrests: ArrestRecord[] = [];
  let booking = 0;
  let courtOrder = 0;

  const newArrest = (
    participant: Participant,
    arrestedDay: number,
    createdAt: number,
  ): ArrestRecord => {
    const arresting = police[en.weighted(police.map((p) => p.weight))];
    const chargeCount = en.weighted([0.6, 0.3, 0.1]) + 1;
    const arrest: ArrestRecord = {
      id: en.uuid(),
      participantId: participant.id,
      ownerAgencyId: participant.ownerAgencyId,
      arrestingAgencyId: arresting.id,
      kind: (['arrest', 'detention', 'citation'] as const)[en.weighted([0.7, 0.2, 0.1])],
      bookingNumber: `${arresting.slug.slice(0, 12).toUpperCase()}-${new Date(arrestedDay * 86_400_000).getUTCFullYear()}-${String(++booking).padStart(7, '0')}`,
      arrestedAt: at(arrestedDay, en, 0, 24),
      charges: en.sample(CHARGES, chargeCount),
      location: en.chance(0.8) ? `${en.int(100, 19999)} ${en.pick(STREETS)}` : null,
      sealedAt: null,
      createdBy: participant.createdBy,
      createdAt,
    };
    arrests.push(arrest);
    return arrest;
  };

  // Exact shares, with at least `minPendingReview` enrollments awaiting the court: each
  // completion request of the runner consumes one.
  const statusCounts = distribute(en, scale.participants, statusWeights);
  const pendingIndex = statuses.indexOf('pending_court_review');
  const missing = Math.max(0, scale.minPendingReview - statusCounts[pendingIndex]);
  if (missing > 0) {
    const donors = [statuses.indexOf('active'), statuses.indexOf('completed')];
    const taken = distribute(
      en,
      missing,
      donors.map((d) => statusCounts[d]),
    );
    donors.forEach((d, k) => (statusCounts[d] -= taken[k]));
    statusCounts[pendingIndex] += missing;
  }
  const statusOrder = en.sample(
    statuses.flatMap((status, k) => Array<EnrollmentStatus>(statusCounts[k]).fill(status)),
    scale.participants,
  );
  for (let i = 0; i < scale.participants; i++) {
    const status = statusOrder[i];
    const owner = coordinatorAgencies[en.weighted(coordinatorAgencies.map((a) => a.weight))];
    const coordinator = en.pick(staff(owner.id, 'coordinator'));
    const court = courts[coordinatorAgencies.indexOf(owner) % courts.length];
    const clerk = () => en.pick(staff(court.id, 'court')).id;

    // Program period. Active ones started in the last 10 weeks, so their period holds today.
    let startDay: number;
    switch (status) {
      case 'pending_consent':
        startDay = D + en.int(-14, 5);
        break;
      case 'active':
        startDay = D - en.int(1, length - 1);
        break;
      case 'pending_court_review':
        startDay = D - en.int(length - 8, length + 40);
        break;
      case 'completed':
        startDay = D - en.int(length + 20, 730);
        break;
      default:
        startDay = D - en.int(3, 730);
    }
    const createdDay = Math.min(startDay - en.int(0, 3), D - 1);
    const createdAt = at(createdDay, en, 9, 17);

    // The participant, registered just before the arrest record; a minor on the arrest date.
    const arrestedDay = createdDay - en.int(1, 30);
    const arrestCreatedAt = Math.min(
      at(arrestedDay + en.int(0, 3), en, 8, 18),
      createdAt - HOUR_US,
    );
    const firstName = en.pick(FIRST_NAMES_YOUTH);
    const lastName = en.chance(0.15)
      ? `${en.pick(LAST_NAMES)} ${en.pick(LAST_NAMES)}`
      : en.pick(LAST_NAMES);
    const participant: Participant = {
      id: en.uuid(),
      caseNumber: '',
      ownerAgencyId: owner.id,
      firstName,
      lastName,
      firstNameKey: searchKey(firstName),
      lastNameKey: searchKey(lastName),
      dateOfBirth: arrestedDay - en.int(Math.ceil(12 * 365.25), Math.floor(17.9 * 365.25)),
      gender: ['female', 'male', 'non-binary', null][en.weighted([0.8, 0.12, 0.05, 0.03])],
      preferredLanguage: ['en', 'es', 'ko', 'vi', 'tl', null][
        en.weighted([0.55, 0.36, 0.02, 0.02, 0.02, 0.03])
      ],
      guardian: en.chance(0.7)
        ? {
            name: `${en.pick(FIRST_NAMES_ADULT)} ${lastName}`,
            relationship: en.pick([
              'mother',
              'father',
              'grandmother',
              'aunt',
              'foster parent',
              'legal guardian',
            ]),
            ...(en.chance(0.7) ? { phone: `+1 213 555 0${en.int(100, 199)}` } : {}),
          }
        : null,
      createdBy: coordinator.id,
      createdAt: arrestCreatedAt - en.int(1, 30) * MINUTE_US,
    };
    const arrest = newArrest(participant, arrestedDay, arrestCreatedAt);
    // Some minors were referred again on an earlier arrest that never led to an enrollment.
    if (en.chance(0.03)) {
      newArrest(participant, arrestedDay - en.int(30, 300), arrestCreatedAt + MINUTE_US);
    }

    const e: Enrollment = {
      id: en.uuid(),
      participant,
      arrest,
      ownerAgencyId: owner.id,
      coordinatorId: coordinator.id,
      site: en.pick(SITES),
      status,
      startDay,
      scheduledEndDay: startDay + length,
      activatedAt: null,
      firstServiceAt: null,
      submittedForReviewAt: null,
      reviewCourtAgencyId: null,
      completedAt: null,
      endedAt: null,
      endReason: null,
      minorNotifiedAt: null,
      minorNotificationMethod: null,
      version: 1,
      createdAt,
      updatedAt: createdAt,
      courtAgencyId: court.id,
      milestones: [],
      consents: [],
      extensions: [],
      reviews: [],
      notices: [],
      disclosures: [],
    };

    // Extensions push the scheduled end (program length plus every extension).
    if (status !== 'pending_consent' && en.chance(0.06)) {
      const days = en.int(7, 30);
      e.extensions.push({
        id: en.uuid(),
        days,
        reason: en.pick(['Hospitalised for two weeks', 'Family emergency out of county']),
        grantedBy: coordinator.id,
        grantedAt: clampNow(at(startDay + en.int(20, 60), en)),
      });
      e.scheduledEndDay += days;
    }

    // Sessions may be recorded from the first service to `lastDay`.
    let lastDay: number | null = null;
    const activated =
      status !== 'pending_consent' &&
      (status === 'withdrawn' || status === 'terminated' ? en.chance(0.8) : true);
    if (activated) {
      e.activatedAt = clampNow(
        Math.max(createdAt + 30 * MINUTE_US, at(startDay + en.int(-1, 1), en, 9, 17)),
      );
    }
    switch (status) {
      case 'active':
        lastDay = Math.min(e.scheduledEndDay, D - 1);
        break;
      case 'pending_court_review': {
        const submitDay = Math.max(
          Math.min(e.scheduledEndDay, D - 1) - en.int(0, 3),
          startDay + 40,
        );
        lastDay = submitDay;
        break;
      }
      case 'completed':
        // Room for the court's decision (5 to 40 days after submission) before today.
        lastDay = Math.min(e.scheduledEndDay - en.int(0, 7), D - 10);
        break;
      case 'withdrawn':
      case 'terminated': {
        const endDay = Math.min(startDay + en.int(3, 75), D - 1);
        // Late in the day: the sessions of that day were recorded before it ended.
        e.endedAt = at(endDay, en, 18, 20);
        lastDay = Math.min(endDay, e.scheduledEndDay);
        if (e.activatedAt !== null && e.activatedAt >= e.endedAt) e.activatedAt = null;
        // A revoked participation consent needs a participation consent to revoke.
        const reasons = status === 'withdrawn' ? WITHDRAW_REASONS : TERMINATE_REASONS;
        e.endReason = en.pick(
          e.activatedAt === null ? reasons.filter((r) => r !== REVOKED_CONSENT) : reasons,
        );
        break;
      }
    }

    // The 24-hour rule: first present session, most within a day of activation.
    let firstDay: number | null = null;
    if (e.activatedAt !== null && lastDay !== null) {
      const delay = en.chance(0.75) ? en.int(1, 23) * HOUR_US : en.int(25, 96) * HOUR_US;
      let first = Math.max(e.activatedAt, startDay * DAY_US + 9 * HOUR_US) + delay;
      const mustAttend = status === 'pending_court_review' || status === 'completed';
      if (Math.floor(first / DAY_US) > lastDay && mustAttend) {
        first = Math.max(e.activatedAt, startDay * DAY_US + 9 * HOUR_US) + HOUR_US;
      }
      if (Math.floor(first / DAY_US) <= lastDay && first < latest) {
        e.firstServiceAt = first;
        firstDay = Math.floor(first / DAY_US);
      }
    }

    // The service plan: 1-4 milestones, one per category, each with a provider offering it.
    const count = en.weighted([0.25, 0.35, 0.28, 0.12]) + 1;
    const categories: Category[] = [];
    const pool = [...CATEGORIES];
    while (categories.length < count) {
      const k = en.weighted(pool.map((c) => categoryWeights[c]));
      categories.push(pool.splice(k, 1)[0]);
    }
    const mustBeMet = status === 'pending_court_review' || status === 'completed';
    for (const category of categories) {
      const offering = providersFor.get(category)!;
      const provider = offering[en.weighted(offering.map((p) => p.weight))];
      const recorder = recorders.get(provider.id)!;
      const viaClient = recorder.clientId !== null && en.chance(0.8);
      const [lo, hi] = requiredRange[category];
      let milestoneCreated = createdAt + en.int(10, 2 * 24 * 60) * MINUTE_US;
      if (e.firstServiceAt !== null) {
        milestoneCreated = Math.min(milestoneCreated, e.firstServiceAt - MINUTE_US);
      }
      e.milestones.push({
        id: en.uuid(),
        enrollmentId: e.id,
        category,
        providerAgencyId: provider.id,
        requiredSessions: en.int(lo, hi),
        createdBy: coordinator.id,
        createdAt: clampNow(Math.max(milestoneCreated, createdAt + MINUTE_US)),
        firstDay,
        lastDay: firstDay === null ? null : lastDay,
        sessions: 0,
        present: 0,
        mustBeMet,
        metAt: null,
        recordedBy: viaClient ? recorder.clientId! : en.pick(recorder.users),
        viaClient,
      });
    }

    // Consents: participation (which activated it), often a guardian's, some information sharing.
    const fullName = `${firstName} ${lastName}`;
    // The participation consent is recorded in the transaction that activates the enrollment.
    if (e.activatedAt !== null) {
      const signedAt = e.activatedAt - en.int(5, 120) * MINUTE_US;
      if (en.chance(0.5) && participant.guardian) {
        e.consents.push(
          consent(
            en,
            'guardian',
            participant.guardian.name,
            signedAt - MINUTE_US,
            coordinator.id,
            e.activatedAt - 30_000_000,
          ),
        );
      }
      e.consents.push(
        consent(en, 'participation', fullName, signedAt, coordinator.id, e.activatedAt),
      );
      if (en.chance(0.3)) {
        const recordedAt = clampNow(e.activatedAt + en.int(1, 600) * MINUTE_US);
        const c = consent(
          en,
          'information_sharing',
          fullName,
          signedAt,
          coordinator.id,
          recordedAt,
        );
        c.serviceCategory = en.pick(categories);
        c.recipientAgencyId = en.chance(0.5) ? court.id : en.pick(providers).id;
        c.expiresAt = signedAt + 365 * DAY_US;
        e.consents.push(c);
      }
    } else if (status === 'pending_consent' && en.chance(0.3) && participant.guardian) {
      const recordedAt = clampNow(createdAt + HOUR_US);
      e.consents.push(
        consent(
          en,
          'guardian',
          participant.guardian.name,
          recordedAt - 10 * MINUTE_US,
          coordinator.id,
          recordedAt,
        ),
      );
    }

    // Court: submission, decision, sealing of the arrest record and its notices.
    if (status === 'pending_court_review' || status === 'completed') {
      e.reviewCourtAgencyId = court.id;
      e.submittedForReviewAt = clampNow(
        Math.max(at(lastDay!, en, 16, 18), (e.firstServiceAt ?? 0) + HOUR_US),
      );
      if (en.chance(0.25)) {
        e.disclosures.push({
          agencyId: court.id,
          firstDisclosedAt: e.submittedForReviewAt + en.int(1, 48) * HOUR_US,
        });
      }
    }
    if (en.chance(0.1)) {
      e.disclosures.push({
        agencyId: owner.id,
        firstDisclosedAt: arrestCreatedAt + en.int(1, 48) * HOUR_US,
      });
    }
    e.disclosures = e.disclosures.filter((d) => d.firstDisclosedAt < latest);
    if (status === 'active' && e.firstServiceAt !== null && en.chance(0.02)) {
      // Submitted once, sent back by the court: active again.
      const submitted = clampNow(e.firstServiceAt + en.int(2, 20) * DAY_US);
      e.submittedForReviewAt = submitted;
      e.reviewCourtAgencyId = court.id;
      e.reviews.push({
        id: en.uuid(),
        courtAgencyId: court.id,
        decision: 'rejected',
        courtOrderNumber: null,
        notes: en.pick(REJECTION_NOTES),
        decidedBy: clerk(),
        decidedAt: clampNow(submitted + en.int(1, 5) * DAY_US),
      });
    }
    if (status === 'completed') {
      const completedAt = clampNow(e.submittedForReviewAt! + en.int(5, 40) * DAY_US);
      e.completedAt = completedAt;
      if (en.chance(0.06)) {
        e.reviews.push({
          id: en.uuid(),
          courtAgencyId: court.id,
          decision: 'rejected',
          courtOrderNumber: null,
          notes: en.pick(REJECTION_NOTES),
          decidedBy: clerk(),
          decidedAt: completedAt - en.int(2, 4) * DAY_US,
        });
      }
      e.reviews.push({
        id: en.uuid(),
        courtAgencyId: court.id,
        decision: 'confirmed',
        courtOrderNumber: en.chance(0.9)
          ? `JV-${new Date(completedAt / 1000).getUTCFullYear()}-${String(++courtOrder).padStart(5, '0')}`
          : null,
        notes: null,
        decidedBy: clerk(),
        decidedAt: completedAt,
      });
      arrest.sealedAt = completedAt;
      // Every holder of a copy: the arresting agency first, then whoever received the record.
      const holders = [
        ...new Set([arrest.arrestingAgencyId, ...e.disclosures.map((d) => d.agencyId)]),
      ];
      for (const agencyId of holders) {
        const dueAt = completedAt + SEALING_NOTICE_PERIOD_DAYS * DAY_US;
        const acknowledged = en.chance(0.85) ? completedAt + en.int(1, 75) * DAY_US : null;
        const ackAt = acknowledged !== null && acknowledged < latest ? acknowledged : null;
        const acker =
          recordsSystems.get(agencyId)?.id ??
          caseSystems.get(agencyId)?.id ??
          staff(agencyId, 'court')[0]?.id ??
          null;
        e.notices.push({
          id: en.uuid(),
          agencyId,
          createdAt: completedAt,
          dueAt,
          acknowledgedAt: ackAt,
          acknowledgedBy: ackAt === null ? null : acker,
          reference: ackAt !== null && en.chance(0.6) ? `SEAL-${en.int(10000, 99999)}` : null,
          overdueReportedAt:
            ackAt === null && dueAt + HOUR_US < latest ? dueAt + en.int(1, 60) * MINUTE_US : null,
        });
      }
      const acks = e.notices.map((n) => n.acknowledgedAt);
      if (!acks.includes(null) && en.chance(0.8)) {
        const told = Math.max(...acks.map(Number)) + en.int(1, 30) * DAY_US;
        if (told < latest) {
          e.minorNotifiedAt = told;
          e.minorNotificationMethod = ['mail', 'in_person', 'email', 'other'][
            en.weighted([0.6, 0.25, 0.1, 0.05])
          ];
        }
      }
    }
    if (status === 'withdrawn' && e.endReason === REVOKED_CONSENT) {
      const participation = e.consents.find((c) => c.kind === 'participation');
      if (participation) {
        participation.revokedAt = e.endedAt;
        participation.revokeReason = 'The participant no longer wishes to take part';
        participation.revokedBy = coordinator.id;
      }
    }
    enrollments.push(e);
  }

  // Registration order gives case numbers (FS-<year>-<sequence>), like the database sequence.
  const participants = enrollments.map((e) => e.participant);
  participants.sort((a, b) => a.createdAt - b.createdAt);
  participants.forEach((p, i) => {
    const year = new Date(p.createdAt / 1000).getUTCFullYear();
    p.caseNumber = `FS-${year}-${String(i + 1).padStart(6, '0')}`;
  });
  enrollments.sort((a, b) => a.createdAt - b.createdAt);

  allocateAttendance(root.fork('attendance-plan'), enrollments, scale.attendance);
  for (const e of enrollments) finishEnrollment(e, latest);

  return {
    anchorDay: D,
    nowUs,
    programId: options.programId,
    agencies,
    users,
    clients,
    participants,
    arrests,
    enrollments,
    recorders,
  };
}

function consent(
  prng: Prng,
  kind: Consent['kind'],
  signedBy: string,
  signedAt: number,
  recordedBy: string,
  recordedAt: number,
): Consent {
  return {
    id: prng.uuid(),
    kind,
    signedBy,
    signedAt,
    serviceCategory: null,
    recipientAgencyId: null,
    expiresAt: null,
    revokedAt: null,
    revokeReason: null,
    revokedBy: null,
    recordedBy,
    createdAt: recordedAt,
  };
}

const SESSIONS_PER_DAY: Record<Category, number> = {
  mental_health: 1,
  substance_abuse: 1,
  education: 1.5,
  shelter: 2,
};

/**
 * Decides how many attendance rows each milestone gets so that the total is `total`:
 * milestones that must be met (pending review, completed) first get their required present
 * sessions, the rest is shared in proportion to how long each milestone has been running.
 */
function allocateAttendance(prng: Prng, enrollments: Enrollment[], total: number): void {
  const milestones = enrollments.flatMap((e) => e.milestones).filter((m) => m.firstDay !== null);
  const minimum = milestones.reduce((sum, m) => sum + (m.mustBeMet ? m.requiredSessions : 0), 0);
  if (minimum > total) {
    throw new Error(`attendance target ${total} is below the ${minimum} sessions required`);
  }
  const weights = milestones.map(
    (m) => (m.lastDay! - m.firstDay! + 1) * SESSIONS_PER_DAY[m.category] * (0.5 + prng.next()),
  );
  const extra = distribute(prng, total - minimum, weights);
  milestones.forEach((m, i) => {
    const base = m.mustBeMet ? m.requiredSessions : 0;
    const presentExtra = Math.round(extra[i] * (0.65 + 0.25 * prng.next()));
    m.sessions = base + extra[i];
    m.present = base + presentExtra;
  });
}

/** What follows from the plan: first service, progress, versions and last change. */
function finishEnrollment(e: Enrollment, latest: number): void {
  // No present session at all: the minor was never connected to a service.
  if (!e.milestones.some((m) => m.present > 0)) e.firstServiceAt = null;
  let updatedAt = e.createdAt;
  const touch = (t: number | null) => {
    if (t !== null && t > updatedAt) updatedAt = t;
  };
  let version = 1 + e.milestones.length + e.consents.length + e.extensions.length;
  for (const m of e.milestones) {
    if (m.present >= m.requiredSessions && m.firstDay !== null && m.lastDay !== null) {
      const span = m.lastDay - m.firstDay;
      const day = m.firstDay + Math.ceil((span * m.requiredSessions) / m.present);
      m.metAt = Math.min(day * DAY_US + 15 * HOUR_US, latest);
      if (e.firstServiceAt !== null && m.metAt < e.firstServiceAt) m.metAt = e.firstServiceAt;
      if (e.submittedForReviewAt !== null && m.metAt >= e.submittedForReviewAt) {
        m.metAt = e.submittedForReviewAt - HOUR_US;
      }
    }
  }
  if (e.activatedAt !== null) version++;
  if (e.submittedForReviewAt !== null) version++;
  version += e.reviews.length;
  if (e.endedAt !== null) version++;
  touch(e.activatedAt);
  touch(e.firstServiceAt);
  touch(e.submittedForReviewAt);
  for (const r of e.reviews) touch(r.decidedAt);
  touch(e.completedAt);
  touch(e.endedAt);
  touch(e.minorNotifiedAt);
  for (const x of e.extensions) touch(x.grantedAt);
  e.version = version;
  e.updatedAt = Math.min(updatedAt, latest);
}
