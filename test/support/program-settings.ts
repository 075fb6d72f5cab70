import { adminToken } from './factories';
import type { TestApp } from './test-app';

export interface ProgramSettings {
  lengthDays?: number;
  sites?: string[];
  guardianConsentRequired?: boolean;
  retentionYears?: number;
  timeZone?: string;
}

interface Program extends Required<ProgramSettings> {
  id: string;
  code: string;
}

/** The default program (`first-step`) as the admin API shows it, with its ETag. */
export async function defaultProgram(
  t: TestApp,
  admin: string,
): Promise<{ program: Program; etag: string }> {
  const list = await t.http.get('/api/v1/programs').auth(admin, { type: 'bearer' }).expect(200);
  const { id } = (list.body.items as Program[]).find((p) => p.code === 'first-step')!;
  const res = await t.http
    .get(`/api/v1/programs/${id}`)
    .auth(admin, { type: 'bearer' })
    .expect(200);
  return { program: res.body as Program, etag: res.headers.etag };
}

/** Changes the default program's settings through `PATCH /programs/:id`, as an admin would. */
export async function setProgramSettings(
  t: TestApp,
  settings: ProgramSettings,
  admin?: string,
): Promise<void> {
  admin ??= await adminToken(t);
  const { program, etag } = await defaultProgram(t, admin);
  await t.http
    .patch(`/api/v1/programs/${program.id}`)
    .auth(admin, { type: 'bearer' })
    .set('If-Match', etag)
    .send(settings)
    .expect(200);
}

/**
 * Runs `work` while the default program has these settings, then puts the old ones back,
 * through the admin API (changes apply to enrollments opened while they hold).
 */
export async function withProgramSettings(
  t: TestApp,
  settings: ProgramSettings,
  work: () => Promise<void>,
): Promise<void> {
  const admin = await adminToken(t);
  const { program } = await defaultProgram(t, admin);
  const before: ProgramSettings = {};
  for (const key of Object.keys(settings) as (keyof ProgramSettings)[]) {
    Object.assign(before, { [key]: program[key] });
  }
  await setProgramSettings(t, settings, admin);
  try {
    await work();
  } finally {
    await setProgramSettings(t, before, admin);
  }
}
