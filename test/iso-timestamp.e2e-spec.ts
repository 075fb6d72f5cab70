import { DataSource } from 'typeorm';
import { isoTimestampSql } from '../src/infrastructure/database/iso-timestamp';
import { startTestApp, TestApp } from './support/test-app';

/**
 * The enrollment views format their timestamps in SQL; the rest of the API formats Dates with
 * `toISOString()`. Both must give the same text for every stored value, whatever the session's
 * time zone, or one timestamp would read differently on two routes.
 */
describe('isoTimestampSql', () => {
  let t: TestApp;
  let db: DataSource;
  beforeAll(async () => {
    t = await startTestApp();
    db = t.app.get(DataSource);
  });
  afterAll(() => t.close());

  const stored = [
    '2026-11-29 21:16:20.680741+00',
    '2026-11-29 21:16:20.999999+00',
    '2026-12-31 23:59:59.9995+00',
    '2027-01-01 00:00:00+00',
    '2026-03-08 10:00:00.0005+00',
    '2028-02-29 12:34:56.123+05:30',
  ];

  it.each(['UTC', 'America/Los_Angeles', 'Pacific/Kiritimati'])(
    'equals toISOString() of the same value (session time zone %s)',
    async (zone) => {
      const rows = await db.transaction(async (manager) => {
        await manager.query(`SELECT set_config('TimeZone', $1, true)`, [zone]);
        return manager.query<{ value: Date; text: string | null }[]>(
          `SELECT v AS value, ${isoTimestampSql('v')} AS text
             FROM unnest($1::timestamptz[]) AS v`,
          [stored],
        );
      });
      expect(rows).toHaveLength(stored.length);
      for (const row of rows) expect(row.text).toBe(row.value.toISOString());
    },
  );

  it('keeps NULL as NULL', async () => {
    const [row] = await db.query<{ text: string | null }[]>(
      `SELECT ${isoTimestampSql('NULL::timestamptz')} AS text`,
    );
    expect(row.text).toBeNull();
  });
});
