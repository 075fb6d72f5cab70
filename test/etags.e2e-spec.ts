import { actingAs } from './support/http';
import { startTestApp, TestApp } from './support/test-app';
import {
  givenActiveEnrollment,
  givenMilestone,
  givenWorld,
  recordAttendance,
  recordConsent,
  World,
} from './support/workflow';

interface Snapshot {
  etag: string;
  body: unknown;
}

/**
 * A strong ETag promises that an unchanged tag means an unchanged representation: If-Match
 * then protects a client from overwriting what it has not seen. So for every resource with an
 * ETag, after every kind of change anywhere that the GET shows, the tag must move whenever
 * the body did.
 */
describe('ETags move whenever what the GET shows changes', () => {
  let t: TestApp;
  let w: World;

  beforeAll(async () => {
    t = await startTestApp();
    w = await givenWorld(t);
  });
  afterAll(() => t.close());

  const snapshot = async (token: string, url: string): Promise<Snapshot> => {
    const res = await actingAs(t, token).get(url).expect(200);
    expect(res.headers.etag).toMatch(/^"\d+"$/);
    return { etag: res.headers.etag, body: res.body };
  };

  /** Runs each step and checks every watched resource: a changed body has a changed tag. */
  async function expectTagsFollowBodies(
    watched: { name: string; token: string; url: string }[],
    steps: { name: string; run: () => Promise<unknown> }[],
  ): Promise<string[]> {
    const before = new Map<string, Snapshot>();
    for (const r of watched) before.set(r.name, await snapshot(r.token, r.url));
    const stale: string[] = [];
    const moved: string[] = [];
    for (const step of steps) {
      await step.run();
      for (const r of watched) {
        const now = await snapshot(r.token, r.url);
        const was = before.get(r.name)!;
        const bodyChanged = JSON.stringify(now.body) !== JSON.stringify(was.body);
        if (bodyChanged && now.etag === was.etag) stale.push(`${r.name} after ${step.name}`);
        if (bodyChanged) moved.push(`${r.name} after ${step.name}`);
        before.set(r.name, now);
      }
    }
    expect(stale).toEqual([]);
    return moved;
  }

  it('enrollment, milestone and attendance record, through a plan’s life', async () => {
    const { enrollment } = await givenActiveEnrollment(t, w);
    const enrollmentUrl = `/api/v1/enrollments/${enrollment.id}`;
    const milestone = await givenMilestone(t, w, enrollment.id, {
      category: 'mental_health',
      providerAgencyId: w.clinic.id,
      requiredSessions: 2,
    });
    const milestoneUrl = `/api/v1/milestones/${milestone.id}`;
    let attendanceId = '';
    const watched = [
      { name: 'enrollment (coordinator)', token: w.coordinator.token, url: enrollmentUrl },
      { name: 'enrollment (provider)', token: w.clinicUser.token, url: enrollmentUrl },
      { name: 'milestone (coordinator)', token: w.coordinator.token, url: milestoneUrl },
    ];
    const moved = await expectTagsFollowBodies(watched, [
      {
        name: 'a first attended session (progress, first service)',
        run: async () => {
          const res = await recordAttendance(t, w.clinicUser.token, milestone.id).expect(201);
          attendanceId = res.body.id;
        },
      },
      {
        name: 'an absence (nothing shown changes)',
        run: () => recordAttendance(t, w.clinicUser.token, milestone.id, { status: 'absent' }),
      },
      {
        name: 'a second attended session (milestone met)',
        run: () => recordAttendance(t, w.clinicUser.token, milestone.id).expect(201),
      },
      {
        name: 'a correction that un-meets the milestone',
        run: async () => {
          const current = await actingAs(t, w.clinicUser.token)
            .get(`/api/v1/attendance/${attendanceId}`)
            .expect(200);
          await t.http
            .patch(`/api/v1/attendance/${attendanceId}`)
            .auth(w.clinicUser.token, { type: 'bearer' })
            .set('if-match', current.headers.etag)
            .send({ status: 'excused' })
            .expect(200);
        },
      },
      {
        name: 'an information-sharing consent',
        run: () =>
          recordConsent(t, w.coordinator.token, enrollment.id, {
            kind: 'information_sharing',
            serviceCategory: 'mental_health',
            recipientAgencyId: w.school.id,
          }),
      },
      {
        name: 'an extension',
        run: () =>
          actingAs(t, w.coordinator.token)
            .post(`${enrollmentUrl}/extend`, { days: 7, reason: 'hospital stay' })
            .expect(200),
      },
      {
        name: 'another milestone',
        run: () =>
          givenMilestone(t, w, enrollment.id, {
            category: 'education',
            providerAgencyId: w.school.id,
            requiredSessions: 1,
          }),
      },
    ]);
    // The steps did change what the GETs show (the check above is not vacuous).
    expect(moved).toEqual(
      expect.arrayContaining([
        'enrollment (coordinator) after a first attended session (progress, first service)',
        'enrollment (provider) after a second attended session (milestone met)',
        'milestone (coordinator) after a correction that un-meets the milestone',
        'enrollment (coordinator) after an extension',
      ]),
    );
    expect(moved.filter((m) => m.includes('an absence'))).toEqual([]);
  });

  it('attendance record, through a correction', async () => {
    const { enrollment } = await givenActiveEnrollment(t, w);
    const milestone = await givenMilestone(t, w, enrollment.id, {
      category: 'education',
      providerAgencyId: w.school.id,
      requiredSessions: 3,
    });
    const created = await recordAttendance(t, w.schoolUser.token, milestone.id, {
      notes: 'worked on fractions',
    }).expect(201);
    const url = `/api/v1/attendance/${created.body.id}`;
    const moved = await expectTagsFollowBodies(
      [{ name: 'attendance record', token: w.schoolUser.token, url }],
      [
        {
          name: 'a note corrected',
          run: async () => {
            const current = await actingAs(t, w.schoolUser.token).get(url).expect(200);
            await t.http
              .patch(url)
              .auth(w.schoolUser.token, { type: 'bearer' })
              .set('if-match', current.headers.etag)
              .send({ notes: 'worked on decimals' })
              .expect(200);
          },
        },
      ],
    );
    expect(moved).toEqual(['attendance record after a note corrected']);
  });
});
