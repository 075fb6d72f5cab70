import { DataSource } from 'typeorm';
import { givenClient, givenUser } from '../support/factories';
import { startTestApp, TestApp } from '../support/test-app';
import {
  givenActiveEnrollment,
  givenArrestRecord,
  givenMilestone,
  givenParticipant,
  givenWorld,
  recordAttendance,
  World,
} from '../support/workflow';

/**
 * OWASP API3:2023 Broken Object Property Level Authorization: no caller sets a property the
 * server owns (mass assignment), and no response carries a secret, a hash or a ciphertext.
 */
describe('API3 property-level authorization', () => {
  let t: TestApp;
  let w: World;
  let db: DataSource;
  beforeAll(async () => {
    t = await startTestApp();
    db = t.app.get(DataSource);
    w = await givenWorld(t);
  });
  afterAll(() => t.close());

  const SERVER_OWNED = {
    status: 'completed',
    role: 'admin',
    agencyId: '0f8e1c3a-5b7d-4e2f-8a9c-1d3e5f7a9b0c',
    sealedAt: '2026-01-01T00:00:00Z',
    version: 99,
  };

  it('refuses server-owned properties in every kind of write, and changes nothing', async () => {
    const participant = await givenParticipant(t, w.coordinator.token);
    const arrest = await givenArrestRecord(t, w.coordinator.token, participant.id, w.police.id);
    const { enrollment } = await givenActiveEnrollment(t, w);
    const milestone = await givenMilestone(t, w, enrollment.id, {
      category: 'education',
      providerAgencyId: w.school.id,
      requiredSessions: 3,
    });
    const record = await recordAttendance(t, w.schoolUser.token, milestone.id).expect(201);
    const user = await givenUser(t, w.admin, { role: 'provider', agencyId: w.school.id });
    const counts = async () =>
      (
        await db.query(
          `SELECT (SELECT count(*) FROM participants)::int AS p, (SELECT count(*) FROM arrest_records)::int AS a,
                  (SELECT count(*) FROM enrollments)::int AS e, (SELECT count(*) FROM users)::int AS u,
                  (SELECT string_agg(role::text || version::text, ',' ORDER BY id) FROM users) AS roles,
                  (SELECT string_agg(status::text || version::text, ',' ORDER BY id) FROM attendance_records) AS att`,
        )
      )[0];
    const before = await counts();
    const writes: [string, string, string, Record<string, unknown>, Record<string, string>?][] = [
      [
        'post',
        '/api/v1/participants',
        w.coordinator.token,
        { firstName: 'A', lastName: 'B', dateOfBirth: '2012-01-01' },
      ],
      [
        'post',
        `/api/v1/participants/${participant.id}/arrest-records`,
        w.coordinator.token,
        {
          arrestingAgencyId: w.police.id,
          bookingNumber: 'MASS-1',
          arrestedAt: new Date(Date.now() - 86400_000).toISOString(),
          charges: [{ code: 'PC 1' }],
        },
      ],
      [
        'post',
        '/api/v1/enrollments',
        w.coordinator.token,
        {
          participantId: participant.id,
          arrestRecordId: arrest.id,
          site: 'Compton',
          startDate: new Date().toISOString().slice(0, 10),
        },
      ],
      [
        'patch',
        `/api/v1/attendance/${record.body.id}`,
        w.schoolUser.token,
        { durationMinutes: 30 },
        { 'If-Match': '*' },
      ],
      [
        // `role` is what an admin's PATCH /users/:id may change (a re-role): not server-owned there.
        'patch',
        `/api/v1/users/${user.id}`,
        w.admin,
        { displayName: 'Renamed', role: 'provider' },
        { 'If-Match': '*' },
      ],
    ];
    for (const [method, url, token, body, headers] of writes) {
      for (const [field, value] of Object.entries(SERVER_OWNED)) {
        if (field in body) continue;
        let req = t.http[method as 'post'](url).auth(token, { type: 'bearer' });
        for (const [name, v] of Object.entries(headers ?? {})) req = req.set(name, v);
        const res = await req.send({ ...body, [field]: value });
        expect({ url, field, status: res.status }).toEqual({ url, field, status: 400 });
        expect(res.body.errors).toEqual(
          expect.arrayContaining([expect.objectContaining({ field })]),
        );
      }
    }
    expect(await counts()).toEqual(before);
  });

  it('never returns a secret, a hash or a ciphertext', async () => {
    const client = await givenClient(t, w.admin, {
      agencyId: w.police.id,
      scopes: ['events:read'],
    });
    const { enrollment } = await givenActiveEnrollment(t, w);
    const shelter = await givenMilestone(t, w, enrollment.id, {
      category: 'shelter',
      providerAgencyId: w.shelter.id,
      requiredSessions: 3,
    });
    await recordAttendance(t, w.shelterUser.token, shelter.id, { notes: 'room 4' }).expect(201);
    const reads = await Promise.all(
      [
        ['/api/v1/users?limit=500', w.admin],
        ['/api/v1/api-clients?limit=500', w.admin],
        [`/api/v1/api-clients/${client.id}`, w.admin],
        [`/api/v1/milestones/${shelter.id}/attendance`, w.shelterUser.token],
        [`/api/v1/milestones/${shelter.id}/attendance`, w.coordinator.token],
        ['/api/v1/me', w.admin],
      ].map(([url, token]) => t.http.get(url).auth(token, { type: 'bearer' })),
    );
    for (const res of reads) {
      expect(res.status).toBe(200);
      expect(res.text).not.toMatch(/\$argon2|password|secretHash|secret_hash|enc:v1:|fss_/i);
      expect(res.text).not.toContain(client.clientSecret);
    }
  });
});
