import {
  canTransition,
  ENROLLMENT_STATUSES,
  EnrollmentAction,
  EnrollmentStatus,
  InvalidTransitionError,
  nextStatus,
  OPEN_STATUSES,
  TRANSITIONS,
} from './enrollment-status';

/** The whole state machine of API.md, written out independently of the table under test. */
const EXPECTED: Record<EnrollmentAction, Partial<Record<EnrollmentStatus, EnrollmentStatus>>> = {
  activate: { pending_consent: 'active' },
  submit_for_review: { active: 'pending_court_review' },
  confirm_completion: { pending_court_review: 'completed' },
  reject_completion: { pending_court_review: 'active' },
  find_unsatisfactory: { pending_court_review: 'terminated' },
  withdraw: {
    pending_consent: 'withdrawn',
    active: 'withdrawn',
    pending_court_review: 'withdrawn',
  },
  terminate: {
    pending_consent: 'terminated',
    active: 'terminated',
    pending_court_review: 'terminated',
  },
};

const ACTIONS = Object.keys(TRANSITIONS) as EnrollmentAction[];

describe('enrollment transition table', () => {
  it('covers exactly the actions of the contract', () => {
    expect(ACTIONS.sort()).toEqual(Object.keys(EXPECTED).sort());
  });

  const cases = ACTIONS.flatMap((action) =>
    ENROLLMENT_STATUSES.map((from) => [action, from] as const),
  );

  it.each(cases)('%s from %s', (action, from) => {
    const expected = EXPECTED[action][from];
    if (expected) {
      expect(nextStatus(action, from)).toBe(expected);
      expect(canTransition(action, from)).toBe(true);
    } else {
      expect(() => nextStatus(action, from)).toThrow(InvalidTransitionError);
      expect(canTransition(action, from)).toBe(false);
    }
  });

  it('names the action and the status in the error', () => {
    try {
      nextStatus('submit_for_review', 'pending_consent');
      throw new Error('expected a throw');
    } catch (error) {
      expect(error).toBeInstanceOf(InvalidTransitionError);
      const invalid = error as InvalidTransitionError;
      expect(invalid.action).toBe('submit_for_review');
      expect(invalid.from).toBe('pending_consent');
      expect(invalid.message).toBe(
        'cannot submit for review an enrollment that is pending consent',
      );
    }
  });

  it('has no way out of completed, withdrawn or terminated', () => {
    for (const from of ['completed', 'withdrawn', 'terminated'] as const) {
      expect(ACTIONS.filter((action) => canTransition(action, from))).toEqual([]);
      expect(OPEN_STATUSES).not.toContain(from);
    }
  });

  it('counts as open exactly the statuses that can still end', () => {
    expect([...OPEN_STATUSES].sort()).toEqual(
      ENROLLMENT_STATUSES.filter((s) => canTransition('withdraw', s)).sort(),
    );
  });
});
