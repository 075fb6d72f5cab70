import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { validateBatchRecord } from './batch-record.validation';
import { BatchAttendanceRecordDto } from './record-attendance.dto';

const valid = {
  milestoneId: '6F9619FF-8B86-4011-B42D-00C04FC964FF',
  sessionDate: '2026-03-02',
  status: 'present',
};

describe('validateBatchRecord', () => {
  it('turns a valid record into a candidate (ids lower-cased, absent optionals null)', () => {
    expect(validateBatchRecord({ ...valid, durationMinutes: 50, externalId: 'ext-1' }, 7)).toEqual({
      candidate: {
        index: 7,
        milestoneId: '6f9619ff-8b86-4011-b42d-00c04fc964ff',
        sessionDate: '2026-03-02',
        sessionStartedAt: null,
        status: 'present',
        durationMinutes: 50,
        notes: null,
        externalId: 'ext-1',
      },
    });
  });

  it.each([
    ['a non-object', 'nope', /must be an object/],
    ['null', null, /must be an object/],
    ['an array', [valid], /must be an object/],
    ['a bad status', { ...valid, status: 'late' }, /status/],
    [
      'an impossible date',
      { ...valid, sessionDate: '2026-02-30' },
      /sessionDate must be a calendar date/,
    ],
    [
      'a too long session',
      { ...valid, durationMinutes: 5000 },
      /durationMinutes must not be greater than 1440/,
    ],
    ['a bad milestone id', { ...valid, milestoneId: '42' }, /milestoneId must be a UUID/],
    ['an unknown field', { ...valid, room: 'B' }, /room is not a known field/],
    ['an empty externalId', { ...valid, externalId: '' }, /externalId/],
    ['too long notes', { ...valid, notes: 'x'.repeat(4001) }, /notes/],
    [
      'a start without offset',
      { ...valid, sessionStartedAt: '2026-03-02T10:00:00' },
      /sessionStartedAt must be an ISO 8601 date-time with an offset/,
    ],
    ['a start that is no time', { ...valid, sessionStartedAt: 42 }, /sessionStartedAt/],
  ])(
    'rejects %s with VALIDATION_FAILED and the index, without echoing values',
    (_label, plain, message) => {
      const result = validateBatchRecord(plain, 3);
      expect(result).toEqual({
        rejection: { index: 3, code: 'VALIDATION_FAILED', detail: expect.stringMatching(message) },
      });
      if ('rejection' in result) expect(result.rejection.detail).not.toContain('5000');
    },
  );
});

describe('validateBatchRecord: the fast path never accepts what the DTO refuses', () => {
  /** What the DTO alone decides, as the global pipe would. */
  const dtoAccepts = (plain: object) =>
    validateSync(plainToInstance(BatchAttendanceRecordDto, plain), {
      whitelist: true,
      forbidNonWhitelisted: true,
      forbidUnknownValues: true,
    }).length === 0;

  const variants: [string, object][] = [
    ['valid', valid],
    ['every optional', { ...valid, durationMinutes: 1440, notes: 'n', externalId: 'e' }],
    ['null optionals', { ...valid, durationMinutes: null, notes: null, externalId: null }],
    ['a string duration', { ...valid, durationMinutes: '60' }],
    ['a fractional duration', { ...valid, durationMinutes: 1.5 }],
    ['zero minutes', { ...valid, durationMinutes: 0 }],
    ['an upper-case uuid', { ...valid, milestoneId: valid.milestoneId.toUpperCase() }],
    ['a uuid with braces', { ...valid, milestoneId: `{${valid.milestoneId}}` }],
    ['a date with time', { ...valid, sessionDate: '2026-03-02T00:00:00Z' }],
    ['a leap day', { ...valid, sessionDate: '2024-02-29' }],
    ['a session start', { ...valid, sessionStartedAt: '2026-03-02T10:00:00-08:00' }],
    ['a session start in UTC', { ...valid, sessionStartedAt: '2026-03-02T18:00:00.5Z' }],
    ['a local session start', { ...valid, sessionStartedAt: '2026-03-02T10:00:00' }],
    ['an impossible session start', { ...valid, sessionStartedAt: '2026-02-30T10:00:00Z' }],
    ['status in capitals', { ...valid, status: 'PRESENT' }],
    ['notes of 4000 emoji', { ...valid, notes: '😀'.repeat(2000) }],
    ['notes of 4001 characters', { ...valid, notes: 'x'.repeat(4001) }],
    ['an externalId of 200', { ...valid, externalId: 'e'.repeat(200) }],
    ['an externalId of 201', { ...valid, externalId: 'e'.repeat(201) }],
    ['a number externalId', { ...valid, externalId: 7 }],
    ['an extra field', { ...valid, extra: true }],
    ['a missing status', { milestoneId: valid.milestoneId, sessionDate: valid.sessionDate }],
  ];

  it.each(variants)('%s: accepted only if the DTO accepts it', (_label, plain) => {
    const accepted = 'candidate' in validateBatchRecord(plain, 0);
    expect(accepted).toBe(dtoAccepts(plain));
  });
});
