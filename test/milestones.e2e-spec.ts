import { DataSource } from 'typeorm';
import { givenAgency, givenUser } from './support/factories';
import { UNKNOWN_ID, actingAs, expectProblem } from './support/http';
import { startTestApp, TestApp } from './support/test-app';
import {
  attendSessions,
  givenActiveEnrollment,
  givenClient,
  givenEnrollment,
  givenMilestone,
  givenOtherCoordinator,
  givenWorld,
  recordAttendance,
  World,
} from './support/workflow';

describe('service plan milestones', () => {
  let t: TestApp;
  let w: World;
  let db: DataSource;

  beforeAll(async () => {
    t = await startTestApp();
    w = await givenWorld(t);
    db = t.app.get(DataSource);
  });
  afterAll(() => t.close());

  const as = (token: string) => actingAs(t, token);
  const planUrl = (enrollmentId: string) => `/api/v1/enrollments/${enrollmentId}/milestones`;

  const milestoneCount = async (enrollmentId: string): Promise<number> =>
    (
      await db.query(`SELECT count(*)::int AS n FROM milestones WHERE enrollment_id = $1`, [
        enrollmentId,
      ])
    )[0].n;

  it('adds a milestone to the plan, with its progress and an ETag', async () => {
    const { enrollment } = await givenActiveEnrollment(t, w);
    const res = await as(w.coordinator.token)
      .post(planUrl(enrollment.id), {
        category: 'mental_health',
        providerAgencyId: w.clinic.id,
        requiredSessions: 8,
      })
      .expect(201);
    expect(res.body).toEqual({
      id: expect.any(String),
      enrollmentId: enrollment.id,
      category: 'mental_health',
      providerAgencyId: w.clinic.id,
      requiredSessions: 8,
      attendedSessions: 0,
      status: 'not_started',
      metAt: null,
      progress: { attendedSessions: 0, requiredSessions: 8, status: 'not_started' },
    });
    expect(res.headers.etag).toBe('"1"');

    const view = await as(w.coordinator.token)
      .get(`/api/v1/enrollments/${enrollment.id}`)
      .expect(200);
    expect(view.body.milestones).toEqual([res.body]);
    const [audit] = await db.query(
      `SELECT count(*)::int AS n FROM audit_events WHERE action = 'milestone.created' AND subject_id = $1`,
      [res.body.id],
    );
    expect(audit.n).toBe(1);
  });

  it('may be built before consent, while the enrollment is pending', async () => {
    const { enrollment } = await givenEnrollment(t, w);
    await givenMilestone(t, w, enrollment.id, {
      category: 'shelter',
      providerAgencyId: w.shelter.id,
      requiredSessions: 14,
    });
    expect(await milestoneCount(enrollment.id)).toBe(1);
  });

  it('refuses a provider that does not offer the service, or does not exist (422)', async () => {
    const { enrollment } = await givenActiveEnrollment(t, w);
    const lacks = await as(w.coordinator.token).post(planUrl(enrollment.id), {
      category: 'education',
      providerAgencyId: w.clinic.id,
      requiredSessions: 5,
    });
    expectProblem(lacks, 422, 'milestone-provider-lacks-service');
    const police = await as(w.coordinator.token).post(planUrl(enrollment.id), {
      category: 'shelter',
      providerAgencyId: w.police.id,
      requiredSessions: 5,
    });
    expectProblem(police, 422, 'milestone-provider-lacks-service');
    const unknown = await as(w.coordinator.token).post(planUrl(enrollment.id), {
      category: 'education',
      providerAgencyId: UNKNOWN_ID,
      requiredSessions: 5,
    });
    expectProblem(unknown, 422, 'milestone-provider-not-found');
    expect(await milestoneCount(enrollment.id)).toBe(0);
  });

  it('allows one milestone per category (409), also under concurrent requests', async () => {
    const { enrollment } = await givenActiveEnrollment(t, w);
    const body = {
      category: 'substance_abuse',
      providerAgencyId: w.clinic.id,
      requiredSessions: 6,
    };
    const results = await Promise.all(
      Array.from({ length: 5 }, () => as(w.coordinator.token).post(planUrl(enrollment.id), body)),
    );
    expect(results.map((r) => r.status).sort()).toEqual([201, 409, 409, 409, 409]);
    expectProblem(
      results.find((r) => r.status === 409)!,
      409,
      'milestone-category-exists',
    );
    expect(await milestoneCount(enrollment.id)).toBe(1);
    // Another category is fine.
    await givenMilestone(t, w, enrollment.id, {
      category: 'mental_health',
      providerAgencyId: w.clinic.id,
      requiredSessions: 6,
    });
  });

  it('validates the body field by field', async () => {
    const { enrollment } = await givenActiveEnrollment(t, w);
    for (const [body, field] of [
      [{ category: 'yoga', providerAgencyId: w.clinic.id, requiredSessions: 3 }, 'category'],
      [
        { category: 'mental_health', providerAgencyId: 'x', requiredSessions: 3 },
        'providerAgencyId',
      ],
      [
        { category: 'mental_health', providerAgencyId: w.clinic.id, requiredSessions: 0 },
        'requiredSessions',
      ],
      [
        { category: 'mental_health', providerAgencyId: w.clinic.id, requiredSessions: 1001 },
        'requiredSessions',
      ],
      [{ category: 'mental_health', providerAgencyId: w.clinic.id }, 'requiredSessions'],
      [
        {
          category: 'mental_health',
          providerAgencyId: w.clinic.id,
          requiredSessions: 2,
          notes: 'x',
        },
        'notes',
      ],
    ] as const) {
      const res = await as(w.coordinator.token).post(planUrl(enrollment.id), body);
      expectProblem(res, 400, 'validation-failed');
      expect(res.body.errors).toEqual([{ field, message: expect.any(String) }]);
    }
    expect(await milestoneCount(enrollment.id)).toBe(0);
  });

  it('closes the plan once the enrollment goes to court review or ends (409)', async () => {
    const review = (await givenActiveEnrollment(t, w)).enrollment;
    const mental = await givenMilestone(t, w, review.id, {
      category: 'mental_health',
      providerAgencyId: w.clinic.id,
      requiredSessions: 1,
    });
    await attendSessions(t, w.clinicUser.token, mental.id, 1);
    await as(w.coordinator.token)
      .post(`/api/v1/enrollments/${review.id}/submit-for-review`)
      .expect(200);

    const withdrawn = (await givenActiveEnrollment(t, w)).enrollment;
    await as(w.coordinator.token)
      .post(`/api/v1/enrollments/${withdrawn.id}/withdraw`, { reason: 'Moved' })
      .expect(200);

    for (const [id, count] of [
      [review.id, 1],
      [withdrawn.id, 0],
    ] as const) {
      const res = await as(w.coordinator.token).post(planUrl(id), {
        category: 'education',
        providerAgencyId: w.school.id,
        requiredSessions: 3,
      });
      expectProblem(res, 409, 'milestone-plan-closed');
      expect(await milestoneCount(id)).toBe(count);
    }
  });

  it('hides the plan of other agencies: POST is 404 and writes nothing; providers and court may not build plans', async () => {
    const other = await givenOtherCoordinator(t, w);
    const { enrollment } = await givenActiveEnrollment(t, w);
    const body = { category: 'education', providerAgencyId: w.school.id, requiredSessions: 3 };
    expectProblem(await as(other.token).post(planUrl(enrollment.id), body), 404, 'not-found');
    expectProblem(await as(w.coordinator.token).post(planUrl(UNKNOWN_ID), body), 404, 'not-found');
    expectProblem(
      await as(w.schoolUser.token).post(planUrl(enrollment.id), body),
      403,
      'forbidden',
    );
    expectProblem(await as(w.clerk.token).post(planUrl(enrollment.id), body), 403, 'forbidden');
    expect(await milestoneCount(enrollment.id)).toBe(0);
  });

  it('refuses a stale If-Match (412)', async () => {
    const { enrollment } = await givenActiveEnrollment(t, w);
    const etag: string = (await as(w.coordinator.token).get(`/api/v1/enrollments/${enrollment.id}`))
      .headers.etag;
    const body = { category: 'education', providerAgencyId: w.school.id, requiredSessions: 3 };
    await as(w.coordinator.token)
      .post(planUrl(enrollment.id), body, { 'If-Match': etag })
      .expect(201);
    const stale = await as(w.coordinator.token).post(
      planUrl(enrollment.id),
      { ...body, category: 'shelter', providerAgencyId: w.shelter.id },
      { 'If-Match': etag },
    );
    expectProblem(stale, 412, 'precondition-failed');
    expect(await milestoneCount(enrollment.id)).toBe(1);
  });

  describe('GET /milestones/:id', () => {
    it('shows progress as attendance accumulates: not_started, in_progress, met', async () => {
      const { enrollment } = await givenActiveEnrollment(t, w);
      const milestone = await givenMilestone(t, w, enrollment.id, {
        category: 'mental_health',
        providerAgencyId: w.clinic.id,
        requiredSessions: 3,
      });
      const read = async () => {
        const res = await as(w.coordinator.token)
          .get(`/api/v1/milestones/${milestone.id}`)
          .expect(200);
        return res.body as { status: string; attendedSessions: number };
      };
      expect(await read()).toMatchObject({ status: 'not_started', attendedSessions: 0 });
      await attendSessions(t, w.clinicUser.token, milestone.id, 1);
      expect(await read()).toMatchObject({ status: 'in_progress', attendedSessions: 1 });
      await attendSessions(t, w.clinicUser.token, milestone.id, 2);
      expect(await read()).toMatchObject({
        status: 'met',
        attendedSessions: 3,
        progress: { attendedSessions: 3, requiredSessions: 3, status: 'met' },
      });
    });

    it('returns an ETag from the milestone version', async () => {
      const { enrollment } = await givenActiveEnrollment(t, w);
      const milestone = await givenMilestone(t, w, enrollment.id, {
        category: 'shelter',
        providerAgencyId: w.shelter.id,
        requiredSessions: 3,
      });
      const first = await as(w.shelterUser.token)
        .get(`/api/v1/milestones/${milestone.id}`)
        .expect(200);
      expect(first.headers.etag).toBe('"1"');
      // A session recorded changes the milestone's progress, so its version.
      await recordAttendance(t, w.shelterUser.token, milestone.id).expect(201);
      const second = await as(w.shelterUser.token)
        .get(`/api/v1/milestones/${milestone.id}`)
        .expect(200);
      expect(second.headers.etag).toBe('"2"');
    });

    it('scopes by the enrollment: details for the provider and the owner, category and status for others', async () => {
      const other = await givenOtherCoordinator(t, w);
      const { enrollment } = await givenActiveEnrollment(t, w);
      const mental = await givenMilestone(t, w, enrollment.id, {
        category: 'mental_health',
        providerAgencyId: w.clinic.id,
        requiredSessions: 4,
      });
      const shelter = await givenMilestone(t, w, enrollment.id, {
        category: 'shelter',
        providerAgencyId: w.shelter.id,
        requiredSessions: 4,
      });
      const url = `/api/v1/milestones/${mental.id}`;

      for (const token of [w.coordinator.token, w.clinicUser.token]) {
        const res = await as(token).get(url).expect(200);
        expect(res.body).toMatchObject({
          id: mental.id,
          providerAgencyId: w.clinic.id,
          requiredSessions: 4,
        });
      }
      // Admins are not treatment staff: category and met / not met only, like other agencies;
      // and an ETag that does not count the sessions (the version does).
      const restricted = async (token: string) => {
        const view = await as(token).get(url).expect(200);
        return { body: view.body, etag: view.headers.etag };
      };
      const before = await restricted(w.shelterUser.token);
      const detailsBefore = (await as(w.coordinator.token).get(url).expect(200)).headers.etag;
      await attendSessions(t, w.clinicUser.token, mental.id, 1);
      const detailsAfter = (await as(w.coordinator.token).get(url).expect(200)).headers.etag;
      expect(detailsAfter).not.toBe(detailsBefore);
      for (const token of [w.shelterUser.token, w.admin]) {
        const view = await restricted(token);
        expect(view.body).toEqual({ id: mental.id, category: 'mental_health', status: 'not_met' });
        expect(view.etag).toBe(before.etag);
      }

      // Not holding a milestone, another coordinator's agency, unknown: all the same 404.
      const unknown = await as(w.schoolUser.token).get(`/api/v1/milestones/${UNKNOWN_ID}`);
      expectProblem(unknown, 404, 'not-found');
      for (const token of [w.schoolUser.token, other.token, w.clerk.token]) {
        const res = await as(token).get(url);
        expectProblem(res, 404, 'not-found');
        expect({ ...res.body, instance: undefined, requestId: undefined }).toEqual({
          ...unknown.body,
          instance: undefined,
          requestId: undefined,
        });
      }

      // Court sees the plan once it is before the court, without session details.
      await attendSessions(t, w.clinicUser.token, mental.id, 3);
      await attendSessions(t, w.shelterUser.token, shelter.id, 4);
      await as(w.coordinator.token)
        .post(`/api/v1/enrollments/${enrollment.id}/submit-for-review`)
        .expect(200);
      const courtView = await as(w.clerk.token).get(url).expect(200);
      expect(courtView.body).toEqual({ id: mental.id, category: 'mental_health', status: 'met' });
    });

    it('lets partner clients read only with enrollments:read, scoped to their agency', async () => {
      const { enrollment } = await givenActiveEnrollment(t, w);
      const milestone = await givenMilestone(t, w, enrollment.id, {
        category: 'education',
        providerAgencyId: w.school.id,
        requiredSessions: 2,
      });
      const schoolSystem = await givenClient(t, w.admin, {
        agencyId: w.school.id,
        scopes: ['enrollments:read'],
      });
      await as(schoolSystem.token).get(`/api/v1/milestones/${milestone.id}`).expect(200);
      const writer = await givenClient(t, w.admin, {
        agencyId: w.school.id,
        scopes: ['attendance:write'],
      });
      expectProblem(
        await as(writer.token).get(`/api/v1/milestones/${milestone.id}`),
        403,
        'forbidden',
      );
      const elsewhere = await givenAgency(t, w.admin, { kind: 'ngo', services: ['education'] });
      const stranger = await givenClient(t, w.admin, {
        agencyId: elsewhere.id,
        scopes: ['enrollments:read'],
      });
      expectProblem(
        await as(stranger.token).get(`/api/v1/milestones/${milestone.id}`),
        404,
        'not-found',
      );
      const auditor = await givenUser(t, w.admin, { role: 'auditor', agencyId: w.da.id });
      expectProblem(
        await as(auditor.token).get(`/api/v1/milestones/${milestone.id}`),
        403,
        'forbidden',
      );
    });

    it('attaches the 42 CFR 2.32 notice when substance-use data reaches an agency other than the provider', async () => {
      const { enrollment } = await givenActiveEnrollment(t, w);
      const milestone = await givenMilestone(t, w, enrollment.id, {
        category: 'substance_abuse',
        providerAgencyId: w.clinic.id,
        requiredSessions: 4,
      });
      const coordinatorView = await as(w.coordinator.token)
        .get(`/api/v1/milestones/${milestone.id}`)
        .expect(200);
      expect(coordinatorView.body.redisclosureNotice).toMatch(/42 CFR part 2/);
      const clinicView = await as(w.clinicUser.token)
        .get(`/api/v1/milestones/${milestone.id}`)
        .expect(200);
      expect(clinicView.body).not.toHaveProperty('redisclosureNotice');
      const enrollmentView = await as(w.coordinator.token)
        .get(`/api/v1/enrollments/${enrollment.id}`)
        .expect(200);
      expect(enrollmentView.body.milestones[0].redisclosureNotice).toMatch(/42 CFR part 2/);
    });
  });
});
