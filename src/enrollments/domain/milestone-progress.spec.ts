import { COUNTS_TOWARD_MILESTONE, milestoneStatus, planIsComplete } from './milestone-progress';

describe('milestone progress', () => {
  it('is not_started, in_progress, then met when the requirement is reached', () => {
    expect(milestoneStatus(0, 3)).toBe('not_started');
    expect(milestoneStatus(1, 3)).toBe('in_progress');
    expect(milestoneStatus(2, 3)).toBe('in_progress');
    expect(milestoneStatus(3, 3)).toBe('met');
    expect(milestoneStatus(4, 3)).toBe('met');
    expect(milestoneStatus(0, 1)).toBe('not_started');
    expect(milestoneStatus(1, 1)).toBe('met');
  });

  it('counts present sessions only', () => {
    expect(COUNTS_TOWARD_MILESTONE).toEqual({ present: true, absent: false, excused: false });
  });

  it('calls a plan complete when every milestone is met', () => {
    expect(planIsComplete([{ attendedSessions: 3, requiredSessions: 3 }])).toBe(true);
    expect(
      planIsComplete([
        { attendedSessions: 3, requiredSessions: 3 },
        { attendedSessions: 10, requiredSessions: 8 },
      ]),
    ).toBe(true);
    expect(
      planIsComplete([
        { attendedSessions: 3, requiredSessions: 3 },
        { attendedSessions: 7, requiredSessions: 8 },
      ]),
    ).toBe(false);
    expect(planIsComplete([{ attendedSessions: 0, requiredSessions: 1 }])).toBe(false);
  });

  it('never calls an empty plan complete', () => {
    expect(planIsComplete([])).toBe(false);
  });
});
