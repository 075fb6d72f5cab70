import type { OutcomesFigures } from '../outcomes-report.repository';
import { suppressOutcomes } from './small-cell-suppression';

const figures = (overrides: Partial<OutcomesFigures> = {}): OutcomesFigures => ({
  enrolled: 60,
  pendingConsent: 5,
  active: 10,
  pendingCourtReview: 5,
  completed: 20,
  withdrawn: 10,
  terminated: 10,
  medianDaysToCompletion: 71.5,
  connectionDecided: 50,
  connectedWithin24h: 40,
  attendance: [
    { category: 'mental_health', present: 30, recorded: 40 },
    { category: 'shelter', present: 4, recorded: 10 },
    { category: 'education', present: 10, recorded: 4 },
  ],
  noticesPending: 6,
  noticesAcknowledged: 14,
  noticesOverdue: 0,
  minorNoticesOverdue: 5,
  substantialComplianceFindings: 6,
  unsatisfactoryFindings: 2,
  ...overrides,
});

describe('suppressOutcomes', () => {
  it('publishes counts of 5 and more and rates whose parts are 5 and more', () => {
    const out = suppressOutcomes(figures());
    expect(out).toMatchObject({
      enrolled: 60,
      pendingConsent: 5,
      completed: 20,
      completionRate: 0.5,
      medianDaysToCompletion: 71.5,
      connectedWithin24hRate: 0.8,
      minorNoticesOverdue: 5,
    });
    expect(out.attendanceRateByCategory.mental_health).toBe(0.75);
  });

  it('nulls a count under 5 (0 included) and lists it', () => {
    const out = suppressOutcomes(figures());
    expect(out.sealingNotices).toEqual({ pending: 6, acknowledged: 14, overdue: null });
    expect(out.suppressedCells).toContainEqual({
      cell: 'sealingNotices.overdue',
      reason: 'small_count',
    });
  });

  it('nulls a rate whose numerator or denominator is under 5, and a category without records', () => {
    const out = suppressOutcomes(figures());
    expect(out.attendanceRateByCategory).toEqual({
      mental_health: 0.75,
      substance_abuse: null,
      education: null,
      shelter: null,
    });
    for (const category of ['substance_abuse', 'education', 'shelter']) {
      expect(out.suppressedCells).toContainEqual({
        cell: `attendanceRateByCategory.${category}`,
        reason: 'small_base',
      });
    }
    expect(suppressOutcomes(figures({ connectedWithin24h: 4 })).connectedWithin24hRate).toBeNull();
    expect(
      suppressOutcomes(figures({ connectionDecided: 4, connectedWithin24h: 4 }))
        .connectedWithin24hRate,
    ).toBeNull();
  });

  it('hides a second status when only one is suppressed, so subtraction cannot reveal it', () => {
    const out = suppressOutcomes(
      figures({ enrolled: 58, terminated: 3, active: 15, completed: 20, withdrawn: 10 }),
    );
    expect(out.terminated).toBeNull();
    // The smallest published status goes too (pendingConsent and pendingCourtReview tie at 5: first listed).
    expect(out.pendingConsent).toBeNull();
    expect(out.pendingCourtReview).toBe(5);
    expect(out.suppressedCells).toEqual(
      expect.arrayContaining([
        { cell: 'terminated', reason: 'small_count' },
        { cell: 'pendingConsent', reason: 'complementary' },
      ]),
    );
  });

  it('nulls the completion rate and the median while fewer than 5 completed, or when an ended count is hidden', () => {
    const few = suppressOutcomes(figures({ completed: 4, enrolled: 44 }));
    expect(few.completionRate).toBeNull();
    expect(few.medianDaysToCompletion).toBeNull();
    const hiddenWithdrawn = suppressOutcomes(figures({ withdrawn: 2, enrolled: 52 }));
    expect(hiddenWithdrawn.completed).toBe(20);
    expect(hiddenWithdrawn.completionRate).toBeNull();
    expect(hiddenWithdrawn.suppressedCells).toContainEqual({
      cell: 'completionRate',
      reason: 'small_base',
    });
  });

  it('publishes the court findings of 5 and more, and nulls smaller ones', () => {
    const out = suppressOutcomes(figures());
    expect(out.courtFindings).toEqual({ substantialCompliance: 6, unsatisfactory: null });
    expect(out.suppressedCells).toContainEqual({
      cell: 'courtFindings.unsatisfactory',
      reason: 'small_count',
    });
    expect(suppressOutcomes(figures({ substantialComplianceFindings: 4 })).courtFindings).toEqual({
      substantialCompliance: null,
      unsatisfactory: null,
    });
  });
});
