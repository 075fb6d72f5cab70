import { DataSource } from 'typeorm';
import { startTestApp, TestApp } from './support/test-app';
import {
  givenArrestRecord,
  givenCompletedEnrollment,
  givenMilestone,
  givenParticipant,
  givenWorld,
  recordAttendance,
  recordConsent,
} from './support/workflow';

describe('a sealed arrest leaves no trace in later registrations', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('accepts a new record with the booking number of a sealed one, but not of an open one', async () => {
    const w = await givenWorld(t);
    const { participant, arrest } = await givenCompletedEnrollment(t, w);
    const [{ booking_number: bookingNumber }] = await t.app
      .get(DataSource)
      .query(`SELECT booking_number FROM arrest_records WHERE id = $1`, [arrest.id]);
    await givenArrestRecord(t, w.coordinator.token, participant.id, w.police.id, { bookingNumber });
    const again = await t.http
      .post(`/api/v1/participants/${participant.id}/arrest-records`)
      .auth(w.coordinator.token, { type: 'bearer' })
      .send({
        arrestingAgencyId: w.police.id,
        bookingNumber,
        arrestedAt: new Date(Date.now() - 86400_000).toISOString(),
        charges: [{ code: 'PC 602' }],
      })
      .expect(409);
    expect(again.body.type).toMatch(/arrest-record-booking-number-taken$/);
  });
});

describe('stored idempotent responses after sealing', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('never replay a sealed arrest record', async () => {
    const w = await givenWorld(t);
    const participant = await givenParticipant(t, w.coordinator.token);
    const body = {
      arrestingAgencyId: w.police.id,
      bookingNumber: 'BK-IDEMPOTENT-SEALED',
      arrestedAt: new Date(Date.now() - 3 * 86400_000).toISOString(),
      charges: [{ code: 'PC 653' }],
    };
    const post = () =>
      t.http
        .post(`/api/v1/participants/${participant.id}/arrest-records`)
        .auth(w.coordinator.token, { type: 'bearer' })
        .set('Idempotency-Key', 'arrest-once')
        .send(body);
    const arrest = (await post().expect(201)).body as { id: string };
    const enrollment = (
      await t.http
        .post('/api/v1/enrollments')
        .auth(w.coordinator.token, { type: 'bearer' })
        .send({
          participantId: participant.id,
          arrestRecordId: arrest.id,
          site: 'Compton',
          startDate: new Date().toISOString().slice(0, 10),
        })
        .expect(201)
    ).body as { id: string };
    await recordConsent(t, w.coordinator.token, enrollment.id);
    const milestone = await givenMilestone(t, w, enrollment.id, {
      category: 'education',
      providerAgencyId: w.school.id,
      requiredSessions: 1,
    });
    await recordAttendance(t, w.schoolUser.token, milestone.id).expect(201);
    await t.http
      .post(`/api/v1/enrollments/${enrollment.id}/submit-for-review`)
      .auth(w.coordinator.token, { type: 'bearer' })
      .expect(200);
    await t.http
      .post(`/api/v1/enrollments/${enrollment.id}/completion`)
      .auth(w.clerk.token, { type: 'bearer' })
      .send({ decision: 'confirmed' })
      .expect(200);

    const replay = await post();
    expect(replay.headers['idempotent-replayed']).toBeUndefined();
    expect(replay.body.id).not.toBe(arrest.id);
    expect(JSON.stringify(replay.body)).not.toContain(arrest.id);
  });
});
