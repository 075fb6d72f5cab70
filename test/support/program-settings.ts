import { DataSource } from 'typeorm';
import type { TestApp } from './test-app';

export interface ProgramSettings {
  lengthDays?: number;
  sites?: string[];
  guardianConsentRequired?: boolean;
}

/**
 * Runs `work` while the default program has these settings, then puts the old ones back.
 * SQL is the only way: a county's settings are written by migrations, and the app has no write
 * path for them yet (`/programs` is planned, docs/domain.md).
 */
export async function withProgramSettings(
  t: TestApp,
  settings: ProgramSettings,
  work: () => Promise<void>,
): Promise<void> {
  const db = t.app.get(DataSource);
  const write = (s: ProgramSettings) =>
    db.query(
      `UPDATE programs SET length_days = coalesce($1, length_days), sites = coalesce($2, sites),
              guardian_consent_required = coalesce($3, guardian_consent_required)
        WHERE code = 'first-step'`,
      [s.lengthDays ?? null, s.sites ?? null, s.guardianConsentRequired ?? null],
    );
  const [before] = await db.query<
    { lengthDays: number; sites: string[]; guardianConsentRequired: boolean }[]
  >(
    `SELECT length_days AS "lengthDays", sites, guardian_consent_required AS "guardianConsentRequired"
       FROM programs WHERE code = 'first-step'`,
  );
  await write(settings);
  try {
    await work();
  } finally {
    await write(before);
  }
}
