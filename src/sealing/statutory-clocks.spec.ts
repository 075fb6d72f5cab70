import {
  isMinorNotificationOverdue,
  isSealingNoticeOverdue,
  MINOR_NOTIFICATION_PERIOD_DAYS,
  minorNotificationDueAt,
  SEALING_NOTICE_PERIOD_DAYS,
  sealingNoticeDueAt,
  statutoryDeadlineSql,
} from './statutory-clocks';

const at = (iso: string) => new Date(iso);

describe('statutory clocks (WIC 786.5)', () => {
  it('gives the arresting agency 60 days and the minor 30', () => {
    expect(SEALING_NOTICE_PERIOD_DAYS).toBe(60);
    expect(MINOR_NOTIFICATION_PERIOD_DAYS).toBe(30);
  });

  describe('sealing notice due date', () => {
    it('is 60 days of 24 hours after the notice, to the millisecond', () => {
      expect(sealingNoticeDueAt(at('2026-01-10T09:30:15.123Z')).toISOString()).toBe(
        '2026-03-11T09:30:15.123Z',
      );
    });

    it('crosses a leap day and a daylight-saving change without moving', () => {
      expect(sealingNoticeDueAt(at('2028-02-01T00:00:00.000Z')).toISOString()).toBe(
        '2028-04-01T00:00:00.000Z',
      );
      // US DST starts 2026-03-08: still exactly 60 x 24 h.
      const created = at('2026-02-20T18:00:00.000Z');
      expect(sealingNoticeDueAt(created).getTime() - created.getTime()).toBe(60 * 86_400_000);
    });
  });

  describe('sealing notice overdue', () => {
    const dueAt = at('2026-03-11T09:30:00.000Z');

    it('is overdue only when still pending after the due time', () => {
      expect(
        isSealingNoticeOverdue({ status: 'pending', dueAt }, at('2026-03-11T09:30:00.001Z')),
      ).toBe(true);
      expect(
        isSealingNoticeOverdue({ status: 'pending', dueAt }, at('2026-03-11T09:30:00.000Z')),
      ).toBe(false);
      expect(
        isSealingNoticeOverdue({ status: 'acknowledged', dueAt }, at('2027-01-01T00:00:00.000Z')),
      ).toBe(false);
    });
  });

  describe('minor notification due date', () => {
    it('is null with no notices, or while any notice is pending', () => {
      expect(minorNotificationDueAt([])).toBeNull();
      expect(
        minorNotificationDueAt([
          { status: 'acknowledged', acknowledgedAt: at('2026-02-01T00:00:00Z') },
          { status: 'pending', acknowledgedAt: null },
        ]),
      ).toBeNull();
    });

    it('is 30 days after the LAST acknowledgement', () => {
      expect(
        minorNotificationDueAt([
          { status: 'acknowledged', acknowledgedAt: at('2026-02-10T12:00:00.000Z') },
          { status: 'acknowledged', acknowledgedAt: at('2026-02-01T08:00:00.000Z') },
        ])?.toISOString(),
      ).toBe('2026-03-12T12:00:00.000Z');
    });
  });

  describe('minor notification overdue', () => {
    const dueAt = at('2026-03-12T12:00:00.000Z');
    const after = at('2026-03-12T12:00:01.000Z');

    it('is overdue after the due time until the minor is notified', () => {
      expect(isMinorNotificationOverdue(dueAt, null, after)).toBe(true);
      expect(isMinorNotificationOverdue(dueAt, null, at('2026-03-12T11:59:59.000Z'))).toBe(false);
      expect(isMinorNotificationOverdue(dueAt, at('2026-03-13T00:00:00.000Z'), after)).toBe(false);
    });

    it('is never overdue before the clock starts', () => {
      expect(isMinorNotificationOverdue(null, null, after)).toBe(false);
    });
  });

  it('writes the same arithmetic in SQL, in hours', () => {
    expect(statutoryDeadlineSql('now()', '$1')).toBe('(now() + make_interval(hours => 24 * $1))');
  });
});
