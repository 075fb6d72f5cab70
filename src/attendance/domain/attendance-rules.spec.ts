import {
  calendarDateIn,
  AttendanceCandidate,
  AttendanceTarget,
  attendanceViolation,
  ExistingExternalId,
  planAttendance,
  utcToday,
} from './attendance-rules';

const TODAY = '2026-03-20';
const target = (overrides: Partial<AttendanceTarget> = {}): AttendanceTarget => ({
  milestoneId: 'm1',
  enrollmentId: 'e1',
  enrollmentStatus: 'active',
  startDate: '2026-03-01',
  scheduledEndDate: '2026-05-10',
  timeZone: 'America/Los_Angeles',
  ...overrides,
});
let next = 0;
const candidate = (overrides: Partial<AttendanceCandidate> = {}): AttendanceCandidate => ({
  index: next++,
  milestoneId: 'm1',
  sessionDate: '2026-03-10',
  sessionStartedAt: null,
  status: 'present',
  durationMinutes: null,
  notes: null,
  externalId: null,
  ...overrides,
});

describe('attendanceViolation', () => {
  it('accepts a session on any day from the start date through today', () => {
    expect(attendanceViolation('2026-03-01', target(), TODAY)).toBeNull();
    expect(attendanceViolation(TODAY, target(), TODAY)).toBeNull();
  });

  it.each([
    'pending_consent',
    'pending_court_review',
    'completed',
    'withdrawn',
    'terminated',
  ] as const)('refuses a %s enrollment', (status) => {
    expect(
      attendanceViolation('2026-03-10', target({ enrollmentStatus: status }), TODAY)?.code,
    ).toBe('ENROLLMENT_NOT_ACTIVE');
  });

  it('refuses a session before the start or after the scheduled end', () => {
    expect(attendanceViolation('2026-02-28', target(), TODAY)?.code).toBe(
      'ATTENDANCE_OUTSIDE_PERIOD',
    );
    const ended = target({ startDate: '2025-12-01', scheduledEndDate: '2026-02-09' });
    expect(attendanceViolation('2026-02-09', ended, TODAY)).toBeNull();
    expect(attendanceViolation('2026-02-10', ended, TODAY)?.code).toBe('ATTENDANCE_OUTSIDE_PERIOD');
  });

  it('refuses a session after today, even inside the period', () => {
    expect(attendanceViolation('2026-03-21', target(), TODAY)?.code).toBe(
      'ATTENDANCE_SESSION_IN_FUTURE',
    );
  });

  it('reports the enrollment status before the dates', () => {
    const withdrawn = target({ enrollmentStatus: 'withdrawn' });
    expect(attendanceViolation('2020-01-01', withdrawn, TODAY)?.code).toBe('ENROLLMENT_NOT_ACTIVE');
  });
});

describe('planAttendance', () => {
  const targets = new Map([
    ['m1', target()],
    ['m2', target({ milestoneId: 'm2', enrollmentId: 'e2' })],
    ['m3', target({ milestoneId: 'm3', enrollmentId: 'e3', enrollmentStatus: 'withdrawn' })],
  ]);
  const none = new Map<string, ExistingExternalId>();

  it('accepts valid records and rejects the others with their index, in request order', () => {
    const records = [
      candidate({ index: 0 }),
      candidate({ index: 1, milestoneId: 'unknown' }),
      candidate({ index: 2, milestoneId: 'm3' }),
      candidate({ index: 3, milestoneId: 'm2', sessionDate: '2026-01-01' }),
      candidate({ index: 4, milestoneId: 'm2', sessionDate: '2026-03-21' }),
      candidate({ index: 5, milestoneId: 'm2', status: 'absent' }),
    ];
    const plan = planAttendance(records, targets, none, TODAY);
    expect(plan.accepted.map((a) => a.candidate.index)).toEqual([0, 5]);
    expect(plan.accepted[1].target.enrollmentId).toBe('e2');
    expect(plan.rejected.map((r) => [r.index, r.code])).toEqual([
      [1, 'NOT_FOUND'],
      [2, 'ENROLLMENT_NOT_ACTIVE'],
      [3, 'ATTENDANCE_OUTSIDE_PERIOD'],
      [4, 'ATTENDANCE_SESSION_IN_FUTURE'],
    ]);
    expect(plan.duplicates).toEqual([]);
  });

  it('treats a stored externalId on the same milestone as a duplicate, even once the enrollment closed', () => {
    const stored = new Map([
      ['x-1', { id: 'a1', milestoneId: 'm1' }],
      ['x-3', { id: 'a3', milestoneId: 'm3' }],
    ]);
    const plan = planAttendance(
      [
        candidate({ index: 0, externalId: 'x-1' }),
        candidate({ index: 1, milestoneId: 'm3', externalId: 'x-3' }),
      ],
      targets,
      stored,
      TODAY,
    );
    expect(plan.accepted).toEqual([]);
    expect(plan.duplicates).toEqual([
      { index: 0, externalId: 'x-1', milestoneId: 'm1', of: { kind: 'stored', id: 'a1' } },
      { index: 1, externalId: 'x-3', milestoneId: 'm3', of: { kind: 'stored', id: 'a3' } },
    ]);
  });

  it('rejects an externalId stored for another milestone', () => {
    const stored = new Map([['x-1', { id: 'a1', milestoneId: 'm2' }]]);
    const plan = planAttendance(
      [candidate({ index: 0, externalId: 'x-1' })],
      targets,
      stored,
      TODAY,
    );
    expect(plan.rejected).toEqual([
      expect.objectContaining({ index: 0, code: 'ATTENDANCE_EXTERNAL_ID_CONFLICT' }),
    ]);
  });

  it('accepts the first of a repeated externalId in one batch, then counts repeats as duplicates', () => {
    const plan = planAttendance(
      [
        candidate({ index: 0, externalId: 'x-9' }),
        candidate({ index: 1, externalId: 'x-9' }),
        candidate({ index: 2, milestoneId: 'm2', externalId: 'x-9' }),
      ],
      targets,
      none,
      TODAY,
    );
    expect(plan.accepted.map((a) => a.candidate.index)).toEqual([0]);
    expect(plan.duplicates).toEqual([
      { index: 1, externalId: 'x-9', milestoneId: 'm1', of: { kind: 'batch', index: 0 } },
    ]);
    expect(plan.rejected.map((r) => [r.index, r.code])).toEqual([
      [2, 'ATTENDANCE_EXTERNAL_ID_CONFLICT'],
    ]);
  });

  it('does not count a repeat of a rejected record as a duplicate: it is judged on its own', () => {
    const plan = planAttendance(
      [
        candidate({ index: 0, externalId: 'x-5', sessionDate: '2020-01-01' }),
        candidate({ index: 1, externalId: 'x-5' }),
      ],
      targets,
      none,
      TODAY,
    );
    expect(plan.rejected.map((r) => r.index)).toEqual([0]);
    expect(plan.accepted.map((a) => a.candidate.index)).toEqual([1]);
  });

  it("never reveals whether another agency's milestone exists: not found comes first", () => {
    const stored = new Map([['x-1', { id: 'a1', milestoneId: 'm1' }]]);
    const plan = planAttendance(
      [candidate({ index: 0, milestoneId: 'theirs', externalId: 'x-1' })],
      targets,
      stored,
      TODAY,
    );
    expect(plan.rejected).toEqual([{ index: 0, code: 'NOT_FOUND', detail: 'Milestone not found' }]);
  });
});

describe('utcToday', () => {
  it('is the UTC calendar date', () => {
    expect(utcToday(new Date('2026-03-20T23:30:00-08:00'))).toBe('2026-03-21');
    expect(utcToday(new Date('2026-03-20T00:00:00Z'))).toBe('2026-03-20');
  });
});

describe('sessionStartedAt', () => {
  const now = new Date('2026-03-20T20:00:00Z');
  const check = (startedAt: string, sessionDate = '2026-03-10') =>
    attendanceViolation(sessionDate, target(), TODAY, { startedAt, now })?.code ?? null;

  it("is accepted when it falls on sessionDate in the program's time zone", () => {
    expect(check('2026-03-10T09:00:00-07:00')).toBeNull();
    // 02:30 UTC on the 11th is still the evening of the 10th in Los Angeles.
    expect(check('2026-03-11T02:30:00Z')).toBeNull();
  });

  it('is refused when it names another local day than sessionDate', () => {
    // Daylight saving time began on 8 March: 06:59 UTC is 23:59 on the 9th in Los Angeles.
    expect(check('2026-03-10T06:59:00Z')).toBe('ATTENDANCE_SESSION_START_MISMATCH');
    expect(check('2026-03-10T07:00:00Z')).toBeNull();
    expect(check('2026-03-11T18:00:00Z')).toBe('ATTENDANCE_SESSION_START_MISMATCH');
  });

  it('is refused in the future beyond a few minutes of clock skew', () => {
    expect(check('2026-03-20T20:04:00Z', '2026-03-20')).toBeNull();
    expect(check('2026-03-20T20:06:00Z', '2026-03-20')).toBe('ATTENDANCE_SESSION_IN_FUTURE');
  });

  it('calendarDateIn reads the local date of an instant', () => {
    expect(calendarDateIn(new Date('2026-07-01T06:59:00Z'), 'America/Los_Angeles')).toBe(
      '2026-06-30',
    );
    expect(calendarDateIn(new Date('2026-07-01T07:00:00Z'), 'America/Los_Angeles')).toBe(
      '2026-07-01',
    );
  });
});
