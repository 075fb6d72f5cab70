/**
 * The enrollment state machine, as one transition table. Every operation that changes an
 * enrollment's status asks `assertTransition` first; nothing else decides what may follow what.
 */
export const ENROLLMENT_STATUSES = [
  'pending_consent',
  'active',
  'pending_court_review',
  'completed',
  'withdrawn',
  'terminated',
] as const;
export type EnrollmentStatus = (typeof ENROLLMENT_STATUSES)[number];

/** What each operation does to the status. */
export type EnrollmentAction =
  | 'activate' // participation (and any required guardian) consent recorded
  | 'submit_for_review'
  | 'confirm_completion'
  | 'reject_completion'
  | 'find_unsatisfactory' // the court's finding of unsatisfactory completion (Rule of Court 5.850)
  | 'withdraw'
  | 'terminate';

export const TRANSITIONS: Record<
  EnrollmentAction,
  { from: readonly EnrollmentStatus[]; to: EnrollmentStatus }
> = {
  activate: { from: ['pending_consent'], to: 'active' },
  submit_for_review: { from: ['active'], to: 'pending_court_review' },
  confirm_completion: { from: ['pending_court_review'], to: 'completed' },
  reject_completion: { from: ['pending_court_review'], to: 'active' },
  find_unsatisfactory: { from: ['pending_court_review'], to: 'terminated' },
  withdraw: { from: ['pending_consent', 'active', 'pending_court_review'], to: 'withdrawn' },
  terminate: { from: ['pending_consent', 'active', 'pending_court_review'], to: 'terminated' },
};

/** Statuses that still hold the arrest record (one open enrollment per record). */
export const OPEN_STATUSES: readonly EnrollmentStatus[] = [
  'pending_consent',
  'active',
  'pending_court_review',
];

export class InvalidTransitionError extends Error {
  constructor(
    readonly action: EnrollmentAction,
    readonly from: EnrollmentStatus,
  ) {
    super(`cannot ${action.replace(/_/g, ' ')} an enrollment that is ${from.replace(/_/g, ' ')}`);
  }
}

/** Returns the next status, or throws InvalidTransitionError naming the broken rule. */
export function nextStatus(action: EnrollmentAction, from: EnrollmentStatus): EnrollmentStatus {
  const transition = TRANSITIONS[action];
  if (!transition.from.includes(from)) throw new InvalidTransitionError(action, from);
  return transition.to;
}

export function canTransition(action: EnrollmentAction, from: EnrollmentStatus): boolean {
  return TRANSITIONS[action].from.includes(from);
}
