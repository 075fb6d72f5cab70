import type { EnrollmentStatus } from '../src/enrollments/domain/enrollment-status';
import type { Caller } from '../src/identity/access/caller';
import type { AgencyDto } from '../src/identity/agencies/dto/agency.dto';
import { MediumContext, newMediumContext } from './support/medium';

/** The middle tier's own promises: real states, reached through the app, nothing impossible. */
describe('medium tier factories', () => {
  let ctx: MediumContext;
  let police: AgencyDto;
  let coordinator: Caller;
  let clinicStaff: Caller;
  let clerk: Caller;

  beforeAll(async () => {
    ctx = await newMediumContext();
    const da = await ctx.newAgency({ kind: 'district_attorney' });
    const clinic = await ctx.newAgency({ kind: 'service_provider', services: ['mental_health'] });
    const court = await ctx.newAgency({ kind: 'court' });
    police = await ctx.newAgency({ kind: 'law_enforcement' });
    coordinator = await ctx.newCaller({ role: 'coordinator', agencyId: da.id });
    clinicStaff = await ctx.newCaller({ role: 'provider', agencyId: clinic.id });
    clerk = await ctx.newCaller({ role: 'court', agencyId: court.id });
  });
  afterAll(() => ctx?.close());

  const stored = async (enrollmentId: string) =>
    (
      await ctx.db.query<{ status: string; arrest: string; notices: number; events: string[] }[]>(
        `SELECT e.status, ar.status AS arrest,
                (SELECT count(*)::int FROM sealing_notices sn WHERE sn.enrollment_id = e.id) AS notices,
                (SELECT array_agg(o.type ORDER BY o.position) FROM outbox_events o
                  WHERE o.enrollment_id = e.id AND o.type = 'enrollment.status_changed') AS events
           FROM enrollments e JOIN arrest_records ar ON ar.id = e.arrest_record_id WHERE e.id = $1`,
        [enrollmentId],
      )
    )[0];

  it.each<[EnrollmentStatus, string, number, number]>([
    ['pending_consent', 'open', 0, 0],
    ['active', 'open', 0, 1],
    ['pending_court_review', 'open', 0, 2],
    ['completed', 'sealed', 1, 3],
    ['withdrawn', 'open', 0, 2],
    ['terminated', 'open', 0, 2],
  ])(
    'reaches %s through the lifecycle (arrest record %s, %i notices, %i status changes)',
    async (status, arrest, notices, changes) => {
      const { enrollment } = await ctx.newEnrollment({
        coordinator,
        arrestingAgencyId: police.id,
        status,
        plan: { category: 'mental_health', provider: clinicStaff },
        court: clerk,
      });
      expect(enrollment.status).toBe(status);
      const row = await stored(enrollment.id);
      expect(row).toMatchObject({ status, arrest, notices });
      expect(row.events ?? []).toHaveLength(changes);
    },
  );

  it('meets a milestone by attendance the provider records, not by setting a counter', async () => {
    const { enrollment } = await ctx.newEnrollment({
      coordinator,
      arrestingAgencyId: police.id,
      status: 'active',
    });
    const milestone = await ctx.newMilestone({
      coordinator,
      enrollmentId: enrollment.id,
      category: 'mental_health',
      provider: clinicStaff,
      required: 2,
      attended: 2,
    });
    expect(milestone).toMatchObject({
      status: 'met',
      attendedSessions: 2,
      metAt: expect.any(String),
    });
    const [row] = await ctx.db.query(
      `SELECT count(*)::int AS records, (SELECT first_service_at IS NOT NULL FROM enrollments WHERE id = $2) AS connected
         FROM attendance_records WHERE milestone_id = $1 AND status = 'present'`,
      [milestone.id, enrollment.id],
    );
    expect(row).toEqual({ records: 2, connected: true });
  });

  it('refuses states and callers the app could not produce', async () => {
    await expect(ctx.newCaller({ role: 'provider', agencyId: police.id })).rejects.toThrow(
      /cannot belong/,
    );
    await expect(
      ctx.newEnrollment({ coordinator, arrestingAgencyId: police.id, status: 'completed' }),
    ).rejects.toThrow(/needs a plan/);
    // The services' own rules apply: attendance on an enrollment waiting for consent is refused.
    const { enrollment } = await ctx.newEnrollment({ coordinator, arrestingAgencyId: police.id });
    await expect(
      ctx.newMilestone({
        coordinator,
        enrollmentId: enrollment.id,
        category: 'mental_health',
        provider: clinicStaff,
        attended: 1,
      }),
    ).rejects.toMatchObject({ code: 'ENROLLMENT_NOT_ACTIVE' });
    // ...and bodies go through the app's ValidationPipe.
    await expect(ctx.newParticipant(coordinator, { firstName: '  ' })).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
    });
  });
});
